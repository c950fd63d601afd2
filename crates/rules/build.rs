//! Embeds every rule pack under `data/rules/` into the library.

use std::path::{Path, PathBuf};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out)?;
        } else if p.extension().is_some_and(|x| x == "toml") {
            out.push(p);
        }
    }
    Ok(())
}

/// The package's directory, read when the script runs: a script binary
/// reused from a build of another checkout must not read that checkout's
/// (possibly deleted) files, which would embed no packs at all.
fn main() -> Result<(), String> {
    let manifest = std::env::var("CARGO_MANIFEST_DIR")
        .map_err(|e| format!("CARGO_MANIFEST_DIR is not set: {e}"))?;
    let root = Path::new(&manifest).join("../../data/rules");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    collect(&root, &mut files)?;
    if files.is_empty() {
        return Err(format!("no rule packs (*.toml) under {}", root.display()));
    }
    files.sort();
    let mut src = String::from("pub static PACKS: &[(&str, &str)] = &[\n");
    for f in &files {
        let rel = f
            .strip_prefix(root.parent().and_then(Path::parent).unwrap_or(&root))
            .unwrap_or(f);
        let abs = f.canonicalize().unwrap_or_else(|_| f.clone());
        src.push_str(&format!(
            "    ({:?}, include_str!({:?})),\n",
            rel.display().to_string(),
            abs.display().to_string()
        ));
    }
    src.push_str("];\n");
    let out_dir = std::env::var("OUT_DIR").map_err(|e| format!("OUT_DIR is not set: {e}"))?;
    let out = PathBuf::from(out_dir).join("embedded_packs.rs");
    std::fs::write(&out, src).map_err(|e| format!("cannot write {}: {e}", out.display()))
}
