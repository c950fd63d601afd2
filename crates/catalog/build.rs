//! Embeds every catalog entry under `data/catalog/` into the library.

use std::path::{Path, PathBuf};

/// The package's directory, read when the script runs: a script binary
/// reused from a build of another checkout must not read that checkout's
/// (possibly deleted) files, which would embed an empty catalog.
fn main() -> Result<(), String> {
    let manifest = std::env::var("CARGO_MANIFEST_DIR")
        .map_err(|e| format!("CARGO_MANIFEST_DIR is not set: {e}"))?;
    let root = Path::new(&manifest).join("../../data/catalog");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files: Vec<PathBuf> = std::fs::read_dir(&root)
        .map_err(|e| format!("cannot read the catalog at {}: {e}", root.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    if files.is_empty() {
        return Err(format!("no catalog entries (*.toml) in {}", root.display()));
    }
    files.sort();
    let mut src = String::from("pub static ENTRIES: &[(&str, &str)] = &[\n");
    for f in &files {
        let name = format!(
            "data/catalog/{}",
            f.file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default()
        );
        let abs = f.canonicalize().unwrap_or_else(|_| f.clone());
        src.push_str(&format!(
            "    ({name:?}, include_str!({:?})),\n",
            abs.display().to_string()
        ));
    }
    src.push_str("];\n");
    let out_dir = std::env::var("OUT_DIR").map_err(|e| format!("OUT_DIR is not set: {e}"))?;
    let out = PathBuf::from(out_dir).join("embedded_catalog.rs");
    std::fs::write(&out, src).map_err(|e| format!("cannot write {}: {e}", out.display()))
}
