#!/usr/bin/env python3
"""Import the reference chip table into the chipexport catalog.

Reads the reference CSV (one row per chip or form-factor variant) and writes
one TOML chip spec per row into data/catalog/<id>.toml, in the format of
docs/spec-format.md.

    python3 tools/import_chips.py [path/to/chips.csv] [--out DIR]

The CSV defaults to ../shared/reference/chips.csv relative to the repository
root. The script is deterministic and re-runnable: every *.toml file in the
output folder is removed and rewritten; other files (README.md) are kept.
Standard library only; the TOML is written by hand.

Judgement calls that the CSV cannot express on its own (lookup aliases,
per-field confidence, precision mappings) are kept in the tables below, keyed
by catalog id. An override naming an id that the CSV no longer produces is an
error, so the tables cannot silently drift from the data.
"""

from __future__ import annotations

import argparse
import csv
import math
import re
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CSV = REPO_ROOT / ".." / "shared" / "reference" / "chips.csv"
DEFAULT_OUT = REPO_ROOT / "data" / "catalog"

EXPECTED_COLUMNS = [
    "vendor", "model", "variant", "form_factor", "launch_year", "process_node",
    "non_planar", "logic_die_count", "logic_die_area_mm2", "die_area_basis",
    "transistors_billion", "fp64_tflops", "fp32_tflops", "tf32_tflops",
    "fp16_bf16_tflops", "fp8_tflops", "int8_tops", "fp4_tflops", "sparsity_note",
    "memory_type", "memory_gb", "memory_bw_gbs", "interconnect_bidir_gbs",
    "interconnect_name", "pcie_gen", "tdp_w", "datacenter_marketed",
    "vendor_country", "tpp", "tpp_basis", "pd", "source_url", "confidence", "notes",
]

# Country names the CSV might use instead of ISO 3166-1 alpha-2 codes.
COUNTRY_NAMES = {
    "united states": "US", "usa": "US", "u.s.": "US", "us": "US",
    "china": "CN", "prc": "CN", "cn": "CN",
    "taiwan": "TW", "tw": "TW",
    "south korea": "KR", "korea": "KR", "kr": "KR",
    "japan": "JP", "jp": "JP",
    "united kingdom": "GB", "uk": "GB", "gb": "GB",
    "israel": "IL", "il": "IL",
    "canada": "CA", "ca": "CA",
    "netherlands": "NL", "nl": "NL",
    "germany": "DE", "de": "DE",
    "france": "FR", "fr": "FR",
}

CONFIDENCE_LEVELS = ("confirmed", "secondary", "estimate", "unconfirmed")

# ---------------------------------------------------------------------------
# Aliases: names a user may type. Only names that really denote the part.
# Base aliases are per model; the model name itself always comes first.
# Models not listed get: model, "<vendor> <model>".
# ---------------------------------------------------------------------------
MODEL_ALIASES: dict[str, list[str]] = {
    "A100": ["NVIDIA A100"],
    "A800": ["NVIDIA A800"],
    "H100": ["NVIDIA H100"],
    "H800": ["NVIDIA H800"],
    "H20": ["NVIDIA H20"],
    "H200": ["NVIDIA H200"],
    "L20": ["NVIDIA L20"],
    "L2": ["NVIDIA L2"],
    "L40S": ["NVIDIA L40S"],
    "GeForce RTX 4090": ["RTX 4090", "NVIDIA GeForce RTX 4090", "NVIDIA RTX 4090"],
    "GeForce RTX 4090 D": ["RTX 4090 D", "NVIDIA GeForce RTX 4090 D", "NVIDIA RTX 4090 D"],
    "GeForce RTX 5090": ["RTX 5090", "NVIDIA GeForce RTX 5090", "NVIDIA RTX 5090"],
    "GeForce RTX 5090 D": ["RTX 5090 D", "NVIDIA GeForce RTX 5090 D", "NVIDIA RTX 5090 D"],
    "GeForce RTX 5090 D V2": ["RTX 5090 D V2", "NVIDIA GeForce RTX 5090 D V2", "NVIDIA RTX 5090 D V2"],
    "RTX PRO 6000 Blackwell": ["RTX PRO 6000", "NVIDIA RTX PRO 6000 Blackwell", "NVIDIA RTX PRO 6000"],
    "RTX PRO 6000D (B40)": ["RTX PRO 6000D", "RTX 6000D", "B40", "NVIDIA RTX PRO 6000D", "NVIDIA B40"],
    "B200": ["NVIDIA B200"],
    "B300 (Blackwell Ultra)": ["B300", "NVIDIA B300", "Blackwell Ultra B300"],
    "GB200": ["NVIDIA GB200"],
    "GB300": ["NVIDIA GB300"],
    "B30A": ["NVIDIA B30A"],
    "V100": ["NVIDIA V100", "Tesla V100", "NVIDIA Tesla V100"],
    "Instinct MI250X": ["MI250X", "AMD Instinct MI250X", "AMD MI250X"],
    "Instinct MI300X": ["MI300X", "AMD Instinct MI300X", "AMD MI300X"],
    "Instinct MI325X": ["MI325X", "AMD Instinct MI325X", "AMD MI325X"],
    "Instinct MI355X": ["MI355X", "AMD Instinct MI355X", "AMD MI355X"],
    "Instinct MI308X": ["MI308X", "AMD Instinct MI308X", "AMD MI308X"],
    "Gaudi 2": ["Intel Gaudi 2", "Habana Gaudi 2"],
    "Gaudi 3": ["Intel Gaudi 3", "Habana Gaudi 3"],
    "Ascend 910B": ["910B", "Huawei Ascend 910B"],
    "Ascend 910C": ["910C", "Huawei Ascend 910C"],
    "Ascend 950PR": ["950PR", "Huawei Ascend 950PR"],
    "Ascend 950DT": ["950DT", "Huawei Ascend 950DT"],
    "MLU370-X8": ["Cambricon MLU370-X8"],
    "MLU370-S4": ["Cambricon MLU370-S4"],
    "MLU590": ["Cambricon MLU590"],
    "MLU690": ["Cambricon MLU690"],
    "DCU K100 / K100-AI": ["K100", "K100-AI", "DCU K100", "DCU K100-AI", "Hygon K100", "Hygon K100-AI"],
    "DCU BW1000 (Shensuan-3)": ["BW1000", "DCU BW1000", "Hygon BW1000", "Shensuan-3"],
    "Kunlun P800": ["Kunlunxin P800", "Baidu Kunlun P800"],
    "BR100": ["Biren BR100"],
    "BR104": ["Biren BR104"],
    "MTT S4000": ["S4000", "Moore Threads MTT S4000", "Moore Threads S4000"],
    "Xiyun C500": ["C500", "MetaX C500", "MetaX Xiyun C500"],
    "Xiyun C600": ["C600", "MetaX C600", "MetaX Xiyun C600"],
    "PPU (Zhenwu 810E)": ["PPU", "Zhenwu 810E", "T-Head PPU", "Alibaba PPU", "T-Head Zhenwu 810E"],
    "TPU v5p": ["Google TPU v5p", "Cloud TPU v5p"],
    "TPU v6e (Trillium)": ["TPU v6e", "Trillium", "Google TPU v6e", "Cloud TPU v6e", "Trillium TPU"],
    "TPU v7 (Ironwood)": ["TPU v7", "Ironwood", "TPU7x", "Google TPU v7", "Ironwood TPU"],
    "Trainium2": ["AWS Trainium2"],
}

# The primary variant of each model: the only entry that carries the bare model
# name and the model-level aliases, so that `--chip H20` or `--chip A100` names
# one part. Models not listed here take their first row in the CSV.
PRIMARY: dict[str, str] = {
    "A100": "nvidia-a100-sxm4-80gb",
    "A800": "nvidia-a800-sxm4-80gb",
    "H100": "nvidia-h100-sxm5-80gb",
    "H800": "nvidia-h800-sxm5-80gb",
    "H20": "nvidia-h20-hgx-96gb",
    "H200": "nvidia-h200-sxm-141gb",
}
PRIMARY_IDS: set[str] = set()  # filled in main()

# Variant-specific aliases, by catalog id (appended after the model aliases).
ID_ALIASES: dict[str, list[str]] = {
    "nvidia-a100-sxm4-80gb": ["A100 SXM4 80GB", "A100 SXM 80GB", "A100 80GB"],
    "nvidia-a100-sxm4-40gb": ["A100 SXM4 40GB", "A100 SXM 40GB", "A100 40GB"],
    "nvidia-a100-pcie-80gb": ["A100 PCIe 80GB", "A100 PCIe", "A100 80GB"],
    "nvidia-a100-pcie-40gb": ["A100 PCIe 40GB", "A100 PCIe", "A100 40GB"],
    "nvidia-a800-sxm4-80gb": ["A800 SXM4 80GB", "A800 SXM"],
    "nvidia-a800-pcie-80gb": ["A800 PCIe 80GB", "A800 PCIe"],
    "nvidia-a800-pcie-40gb-active-cooled": ["A800 PCIe 40GB", "A800 40GB", "A800 40GB Active", "A800 PCIe"],
    "nvidia-h100-sxm5-80gb": ["H100 SXM5 80GB", "H100 SXM5", "H100 SXM"],
    "nvidia-h100-pcie-80gb": ["H100 PCIe 80GB", "H100 PCIe"],
    "nvidia-h100-nvl-94gb": ["H100 NVL 94GB", "H100 NVL"],
    "nvidia-h800-sxm5-80gb": ["H800 SXM5 80GB", "H800 SXM5", "H800 SXM"],
    "nvidia-h800-pcie-80gb": ["H800 PCIe 80GB", "H800 PCIe"],
    "nvidia-h20-hgx-96gb": ["H20 96GB", "H20 HGX 96GB"],
    "nvidia-h20-hgx-141gb-hbm3e": ["H20 141GB", "H20 HGX 141GB"],
    "nvidia-h200-sxm-141gb": ["H200 SXM 141GB", "H200 SXM"],
    "nvidia-h200-nvl-141gb": ["H200 NVL 141GB", "H200 NVL"],
    "nvidia-l20-pcie-48gb": ["L20 48GB"],
    "nvidia-l2-pcie-24gb": ["L2 24GB"],
    "nvidia-l40s-pcie-48gb": ["L40S 48GB"],
    "nvidia-rtx-pro-6000-blackwell-workstation-ed-server-ed": [
        "RTX PRO 6000 Blackwell Workstation Edition",
        "RTX PRO 6000 Blackwell Server Edition",
    ],
    "nvidia-rtx-pro-6000-blackwell-max-q-workstation": [
        "RTX PRO 6000 Blackwell Max-Q",
        "RTX PRO 6000 Max-Q",
        "RTX PRO 6000 Blackwell Max-Q Workstation Edition",
    ],
    "nvidia-b200-hgx-dgx-sxm-180gb": ["B200 SXM", "B200 180GB"],
    "nvidia-b300-blackwell-ultra-hgx-sxm-288gb": ["B300 SXM", "B300 288GB"],
    "nvidia-v100-sxm2-16-32gb": ["V100 SXM2", "Tesla V100 SXM2"],
    "nvidia-v100-pcie-16-32gb": ["V100 PCIe", "Tesla V100 PCIe"],
    "intel-gaudi-2-hl-225h-oam": ["HL-225H", "Gaudi 2 HL-225H"],
    "intel-gaudi-3-hl-325l-oam": ["HL-325L", "Gaudi 3 HL-325L", "Gaudi 3 OAM"],
    "intel-gaudi-3-hl-338-pcie": ["HL-338", "Gaudi 3 HL-338", "Gaudi 3 PCIe"],
    "intel-gaudi-3-hl-328-oam-china": ["HL-328", "Gaudi 3 HL-328"],
    "intel-gaudi-3-hl-388-pcie-china": ["HL-388", "Gaudi 3 HL-388"],
    "cambricon-mlu370-x8-pcie-48gb": [],
    "metax-xiyun-c500-oam-64gb": ["C500 OAM", "Xiyun C500 OAM"],
    "metax-xiyun-c500-pcie-64gb": ["C500 PCIe", "Xiyun C500 PCIe"],
}

# ---------------------------------------------------------------------------
# FP16/BF16 column: by default the value goes to both fp16 and bf16. These
# rows are exceptions, because the figure is known not to apply to one of
# the two formats. Leaving a key out is never an invented number.
# ---------------------------------------------------------------------------
FP16_ONLY = {
    # CSV notes: "no BF16/INT8 tensor" on Volta.
    "nvidia-v100-sxm2-16-32gb": "Volta has no BF16 tensor support (reference table notes), so the FP16/BF16 figure is given as fp16 only.",
    "nvidia-v100-pcie-16-32gb": "Volta has no BF16 tensor support (reference table notes), so the FP16/BF16 figure is given as fp16 only.",
    # CSV: the GeForce figure is FP16 with FP16 accumulate; BF16 (FP32
    # accumulate) runs at a lower rate on GeForce parts and is not given.
    "nvidia-geforce-rtx-4090-24gb": "The FP16/BF16 figure is FP16 with FP16 accumulate (reference table); the BF16 rate is not given, so it is fp16 only.",
    "nvidia-geforce-rtx-4090-d-24gb-china": "The FP16/BF16 figure is scaled from the RTX 4090 FP16-accumulate figure; the BF16 rate is not given, so it is fp16 only.",
    "nvidia-geforce-rtx-5090-32gb": "The FP16/BF16 figure is FP16 with FP16 accumulate (reference table); the BF16 rate is not given, so it is fp16 only.",
    "nvidia-geforce-rtx-5090-d-32gb-china-v1": "The FP16/BF16 figure is half the FP8 figure (FP16-accumulate rate, as for the RTX 5090); the BF16 rate is not given, so it is fp16 only.",
}
BF16_ONLY = {
    # Google publishes TPU peak compute in bf16 (and int8/fp8), not fp16.
    "google-tpu-v5p": "Google quotes peak compute in BF16, so the FP16/BF16 figure is given as bf16 only.",
    "google-tpu-v6e-trillium": "Google quotes peak compute in BF16, so the FP16/BF16 figure is given as bf16 only.",
    "google-tpu-v7-ironwood": "Google quotes peak compute in BF16, so the FP16/BF16 figure is given as bf16 only.",
}

# ---------------------------------------------------------------------------
# Confidence. The row-level level comes from the CSV confidence column
# (see row_level()); it applies to throughput, memory bandwidth and
# interconnect. These per-id overrides record the per-field judgement from
# chips-notes.md (section 2: conflicts; section 5: least certain entries).
# ---------------------------------------------------------------------------
CONFIDENCE_OVERRIDES: dict[str, dict[str, str]] = {
    # A800 40GB Active: "PCIe TDP 240W unverified". NVIDIA sells the 40GB
    # Active card for workstations; the table's "datacenter yes" is kept but
    # flagged (see EXTRA_NOTES).
    "nvidia-a800-pcie-40gb-active-cooled": {"tdp_w": "unconfirmed", "datacenter": "unconfirmed"},
    # H800 SXM: FP64 1 vs 29.6 (conflict); FP64 does not set the TPP.
    "nvidia-h800-sxm5-80gb": {"throughput": "secondary"},
    # H20: TDP 400 W (partner sheets) vs 550 W (CCTV/UDN table).
    "nvidia-h20-hgx-96gb": {"tdp_w": "unconfirmed"},
    # H20 141GB: a reported variant from one third-party table.
    "nvidia-h20-hgx-141gb-hbm3e": {"throughput": "unconfirmed", "memory_bandwidth_gbps": "unconfirmed", "interconnect_gbps": "unconfirmed"},
    # L2: throughput from a distributor page (secondary); die identity unconfirmed.
    "nvidia-l2-pcie-24gb": {"throughput": "secondary", "memory_bandwidth_gbps": "secondary"},
    # RTX 4090 D: FP8 from unverified 1177 AI TOPS, others scaled by SM count.
    "nvidia-geforce-rtx-4090-d-24gb-china": {"throughput": "estimate", "memory_bandwidth_gbps": "secondary"},
    # RTX 5090: official AI TOPS halved, like every other NVIDIA sparse figure.
    "nvidia-geforce-rtx-5090-32gb": {"throughput": "confirmed"},
    # RTX 5090 D V2: compute reported; 1344 GB/s derived, not sourced.
    "nvidia-geforce-rtx-5090-d-v2-24gb-china": {"throughput": "unconfirmed", "memory_bandwidth_gbps": "estimate"},
    # RTX PRO 6000: official headline AI TOPS halved.
    "nvidia-rtx-pro-6000-blackwell-workstation-ed-server-ed": {"throughput": "confirmed"},
    # RTX PRO 6000D: memory bandwidth from one Chinese report.
    "nvidia-rtx-pro-6000d-b40-84gb-china": {"memory_bandwidth_gbps": "unconfirmed"},
    # B200: NVIDIA HGX page; 7.7 vs 8 TB/s and FP64 31 vs 37 conflicts noted.
    "nvidia-b200-hgx-dgx-sxm-180gb": {"throughput": "confirmed", "memory_bandwidth_gbps": "secondary"},
    # B300: NVIDIA values via Epoch; 288 vs 270 GB memory.
    "nvidia-b300-blackwell-ultra-hgx-sxm-288gb": {"memory_gb": "secondary"},
    # GB200: TDP per GPU approximate.
    "nvidia-gb200-per-gpu-nvl72-nvl2": {"tdp_w": "estimate"},
    # B30A: every figure is an estimate (half of B300) or a report.
    "nvidia-b30a-reported-china-blackwell": {
        "throughput": "estimate", "memory_bandwidth_gbps": "estimate",
        "memory_gb": "unconfirmed", "tdp_w": "unconfirmed", "transistors_billion": "estimate",
    },
    # V100 PCIe: the 32 GB/s "interconnect" is the PCIe link itself.
    "nvidia-v100-pcie-16-32gb": {"interconnect_gbps": "secondary"},
    # MI250X: "official (die area secondary)"; per-GCD vs per-package ambiguity.
    "amd-instinct-mi250x-oam-128gb": {"throughput": "confirmed", "memory_bandwidth_gbps": "confirmed", "interconnect_gbps": "confirmed"},
    # MI355X: AMD values, not checked against the brochure; Epoch conflict.
    "amd-instinct-mi355x-oam-288gb": {"throughput": "secondary", "memory_bandwidth_gbps": "secondary", "interconnect_gbps": "secondary"},
    # Gaudi 2: FP8 official, BF16 an estimate; the group takes the weaker.
    "intel-gaudi-2-hl-225h-oam": {"throughput": "estimate", "memory_bandwidth_gbps": "confirmed", "interconnect_gbps": "confirmed"},
    # Gaudi 3 PCIe: whitepaper peak 1835 vs Epoch 1678.
    "intel-gaudi-3-hl-338-pcie": {"throughput": "unconfirmed", "memory_bandwidth_gbps": "confirmed", "interconnect_gbps": "secondary"},
    # Gaudi 3 China SKUs: existence/TDP official; memory as the base part.
    "intel-gaudi-3-hl-328-oam-china": {"memory_bandwidth_gbps": "secondary", "tdp_w": "confirmed"},
    "intel-gaudi-3-hl-388-pcie-china": {"memory_bandwidth_gbps": "secondary", "tdp_w": "confirmed"},
    # Ascend 910B: 376/320/313/280 TFLOPS by SKU and source (straddles TPP
    # 4800); memory 1228 vs 1600 GB/s; HCCS 392 GB/s from the CCTV table.
    "huawei-ascend-910b-910b2-class-64gb": {
        "throughput": "unconfirmed", "memory_bandwidth_gbps": "unconfirmed",
        "interconnect_gbps": "secondary", "memory_gb": "unconfirmed",
    },
    # Ascend 910C: 780 vs 800 TFLOPS; interconnect 784 vs 400 GB/s.
    "huawei-ascend-910c-dual-die-128gb": {
        "throughput": "estimate", "memory_bandwidth_gbps": "estimate", "interconnect_gbps": "unconfirmed",
    },
    # Ascend 950PR/DT: announced figures via secondary sources; dense assumed.
    "huawei-ascend-950pr-announced": {"throughput": "unconfirmed", "memory_bandwidth_gbps": "secondary", "interconnect_gbps": "secondary"},
    "huawei-ascend-950dt-announced": {"throughput": "unconfirmed", "memory_bandwidth_gbps": "secondary", "interconnect_gbps": "secondary"},
    # BR100: memory bandwidth 1.64 vs 2.3 TB/s; interconnect from Epoch.
    "biren-br100-oam-64gb": {"memory_bandwidth_gbps": "unconfirmed", "interconnect_gbps": "secondary"},
    # MTT S4000: MTLink 240 GB/s unverified; process node (12nm?) unverified.
    "moore-threads-mtt-s4000-pcie-48gb": {"interconnect_gbps": "unconfirmed", "process_node": "unconfirmed"},
    # MetaX C500: 1800 GB/s corrects Epoch's 18 TB/s typo.
    "metax-xiyun-c500-oam-64gb": {"memory_bandwidth_gbps": "secondary"},
    # T-Head PPU: 700 GB/s from the CCTV/UDN table.
    "alibaba-t-head-ppu-zhenwu-810e-96gb": {"interconnect_gbps": "secondary"},
    # Google ICI: Gbps per chip converted to GB/s (v5p, v6e).
    "google-tpu-v5p": {"interconnect_gbps": "secondary"},
    "google-tpu-v6e-trillium": {"interconnect_gbps": "secondary"},
    # Trainium2: NeuronLink figure unverified.
    "aws-trainium2": {"interconnect_gbps": "unconfirmed"},
}

# Import notes added to an entry's notes, by id.
EXTRA_NOTES = {
    "nvidia-a800-pcie-40gb-active-cooled": (
        "datacenter = true is the reference table's value, but NVIDIA positions the A800 40GB Active "
        "(actively cooled PCIe card) for workstations; verify before relying on the datacenter test."
    ),
}

# Die area: the die_area_basis text decides, with these exceptions.
DIE_AREA_CONFIDENCE_OVERRIDES = {
    # "assumed AD104 (estimate; not confirmed)": the die identity itself is
    # unconfirmed and decides whether PD is near the 5.92 line.
    "nvidia-l2-pcie-24gb": "unconfirmed",
    # 724 mm2 may be per GCD or per package (PD 4.23 vs 8.46).
    "amd-instinct-mi250x-oam-128gb": "unconfirmed",
}


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------



# Rows whose interconnect name is blank but whose product line has no
# chip-to-chip link, with the reason (the notes carry it).
NO_CHIP_LINKS = {
    "nvidia-geforce-rtx-5090-d-v2-24gb-china": "No chip-to-chip link: the reference row leaves the interconnect blank, and GeForce cards have had no NVLink since the RTX 40 series (as the other RTX 4090/5090 rows say: 'none').",
    "nvidia-rtx-pro-6000-blackwell-max-q-workstation": "No chip-to-chip link: the reference row leaves the interconnect blank; the other RTX PRO 6000 Blackwell rows say 'none'.",
}

# Bidirectional rate of a PCIe x16 link, GB/s, by generation (per direction:
# Gen3 ~16, Gen4 ~32, Gen5 ~64, Gen6 ~128 GB/s).
PCIE_X16_BIDIR_GBPS = {"3": 32.0, "4": 64.0, "5": 128.0, "6": 256.0}

def fail(msg: str) -> None:
    print(f"import_chips: error: {msg}", file=sys.stderr)
    sys.exit(1)


def words(s: str) -> list[str]:
    return re.sub(r"[^a-z0-9]+", " ", s.lower()).split()


def vendor_short(vendor: str) -> str:
    """The vendor without its parenthetical qualifier: "Intel (Habana)" -> "Intel"."""
    return re.sub(r"\s*\([^)]*\)", "", vendor).strip()


def make_id(vendor: str, model: str, variant: str) -> str:
    vendor_words = set(words(vendor))
    rest = [w for w in words(model) + words(variant) if w not in vendor_words]
    return "-".join(words(vendor_short(vendor)) + rest)


def norm(s: str) -> str:
    """The catalog's lookup normalisation: alphanumerics, lower case."""
    return "".join(c.lower() for c in s if c.isalnum())


def parse_number(text: str, field: str, row_id: str) -> float | None:
    t = text.strip()
    if not t:
        return None
    try:
        v = float(t)
    except ValueError:
        fail(f"{row_id}: column {field} is not a number: {t!r}")
    if not math.isfinite(v):
        fail(f"{row_id}: column {field} is not finite: {t!r}")
    if v == 0:
        return None  # zero is a missing value in the spec format
    if v < 0:
        fail(f"{row_id}: column {field} is negative: {t!r}")
    return v


def leading_number(text: str) -> tuple[float | None, bool]:
    """A number at the start of a text such as "2 (reported)" or "~104 (est)".
    Returns the number and whether the text was anything but a plain number."""
    t = text.strip()
    if not t:
        return None, False
    m = re.match(r"^~?\s*(\d+(?:\.\d+)?)", t)
    if not m:
        return None, True
    plain = re.fullmatch(r"\d+(?:\.\d+)?", t) is not None
    return float(m.group(1)), not plain


def row_level(conf: str) -> str | None:
    """The confidence of a row's figures from the CSV confidence text."""
    c = conf.lower()
    if not c or "not sourced" in c:
        return None
    head = re.split(r"\s*;\s*", c)[0]  # "...; die area estimate" is about the die
    if "conflict" in head or head.startswith("low"):
        return "unconfirmed"
    if "estimate" in head or "derived" in head and "official" not in head:
        return "estimate"
    if any(w in head for w in ("unverified", "secondary", "press", "reported", "via", "not consulted", "announced")):
        return "secondary"
    if "official" in head:
        return "confirmed"
    return "secondary"


def die_area_level(basis: str) -> str:
    b = basis.lower()
    if "estimate" in b:
        return "estimate"
    if "ambigu" in b or "not confirmed" in b or "assumed" in b:
        return "unconfirmed"
    # Die areas are taken from TechPowerUp/Epoch (chips-notes.md, main sources).
    return "secondary"


def fmt_num(v: float, force_float: bool = False) -> str:
    if force_float:
        r = repr(float(v))
        return r if ("." in r or "e" in r or "inf" in r or "nan" in r) else r + ".0"
    if float(v).is_integer() and abs(v) < 1e15:
        return str(int(v))
    return repr(float(v))


def toml_str(s: str) -> str:
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\b":
            out.append("\\b")
        elif ch == "\f":
            out.append("\\f")
        elif o < 0x20 or o == 0x7F:
            out.append(f"\\u{o:04X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def toml_str_array(items: list[str]) -> str:
    return "[" + ", ".join(toml_str(i) for i in items) + "]"


def toml_key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else toml_str(k)


# ---------------------------------------------------------------------------
# Conversion
# ---------------------------------------------------------------------------

def convert(row: dict[str, str]) -> tuple[str, str, bool]:
    """Returns (id, toml text, has throughput figures)."""
    g = {k: (row.get(k) or "").strip() for k in EXPECTED_COLUMNS}
    vendor, model, variant = g["vendor"], g["model"], g["variant"]
    if not model:
        fail(f"a row has no model: {row}")
    cid = make_id(vendor, model, variant)
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", cid):
        fail(f"bad id {cid!r} for {vendor} / {model} / {variant}")

    top: list[tuple[str, str]] = []  # (key, rendered value)
    conf: dict[str, str] = {}
    import_notes: list[str] = []

    top.append(("id", toml_str(cid)))
    top.append(("name", toml_str(model)))
    if vendor:
        top.append(("vendor", toml_str(vendor)))
    if variant:
        top.append(("variant", toml_str(variant)))

    # aliases
    aliases: list[str] = []
    seen: set[str] = set()
    base = MODEL_ALIASES.get(model, [f"{vendor_short(vendor)} {model}"] if vendor else [])
    model_level = [model] + base if cid in PRIMARY_IDS else []
    for a in model_level + ID_ALIASES.get(cid, []):
        if norm(a) and norm(a) not in seen:
            seen.add(norm(a))
            aliases.append(a)
    top.append(("aliases", toml_str_array(aliases)))
    # The documented default among a model's variants: its names resolve to
    # this entry, and the lookup says so (see data/catalog/README.md).
    if cid in PRIMARY.values():
        top.append(("default_for", toml_str_array([model] + base)))

    # datacenter
    dc = g["datacenter_marketed"]
    dcl = dc.lower()
    if dcl == "yes" or dcl.startswith("yes ") or dcl.startswith("yes("):
        top.append(("datacenter", "true"))
    elif dcl == "no" or dcl.startswith("no ") or dcl.startswith("no("):
        top.append(("datacenter", "false"))
    elif dc:
        import_notes.append(
            f"datacenter is left out: the reference table says {dc!r}, which does not decide this entry "
            "(it covers more than one edition). Give it explicitly in a spec when classifying one edition."
        )
    else:
        import_notes.append("datacenter is left out: the reference table gives no datacenter positioning.")

    # non_planar
    np_text = g["non_planar"]
    npl = np_text.lower()
    if npl.startswith("yes"):
        top.append(("non_planar", "true"))
        if npl != "yes (finfet)" and npl != "yes":
            conf["non_planar"] = "unconfirmed"
            import_notes.append(f"non_planar from the reference table's {np_text!r}.")
    elif npl.startswith("no"):
        top.append(("non_planar", "false"))
    elif np_text:
        if "yes" in npl:  # "presumed yes"
            top.append(("non_planar", "true"))
        conf["non_planar"] = "unconfirmed"
        import_notes.append(f"non_planar from the reference table's {np_text!r}.")

    # die area
    area = parse_number(g["logic_die_area_mm2"], "logic_die_area_mm2", cid)
    if area is not None:
        top.append(("die_area_mm2", fmt_num(area)))
        conf["die_area_mm2"] = DIE_AREA_CONFIDENCE_OVERRIDES.get(cid, die_area_level(g["die_area_basis"]))

    bw = parse_number(g["memory_bw_gbs"], "memory_bw_gbs", cid)
    if bw is not None:
        top.append(("memory_bandwidth_gbps", fmt_num(bw)))
    # interconnect_gbps is the chip-to-chip links (NVLink, Infinity Fabric,
    # HCCS, Ethernet ports), bidirectional. A card whose reference row names
    # no chip-to-chip link has links of 0 (known none), not unknown. The host
    # PCIe link is not added: see the catalog README for why, and for the
    # one rule text (3A090, Oct 2022) that counts all I/O.
    ic = parse_number(g["interconnect_bidir_gbs"], "interconnect_bidir_gbs", cid)
    links = ic
    name = g["interconnect_name"].strip().lower()
    if name.startswith("none"):
        links = 0.0
    elif links is None and cid in NO_CHIP_LINKS:
        links = 0.0
        import_notes.append(NO_CHIP_LINKS[cid])
    pcie = PCIE_X16_BIDIR_GBPS.get(g["pcie_gen"].strip()) if g["pcie_gen"] else None
    if g["pcie_gen"] and pcie is None:
        fail(f"{cid}: unknown PCIe generation {g['pcie_gen']!r}")
    if links is not None:
        top.append(("interconnect_gbps", fmt_num(links)))

    # descriptive
    for col, key in (("form_factor", "form_factor"), ("process_node", "process_node")):
        if g[col]:
            top.append((key, toml_str(g[col])))
    n, odd = leading_number(g["logic_die_count"])
    if n is not None:
        top.append(("logic_die_count", str(int(n))))
    if odd:
        conf["logic_die_count"] = "secondary" if "reported" in g["logic_die_count"].lower() else "unconfirmed"
        import_notes.append(f"logic_die_count from the reference table's {g['logic_die_count']!r}.")
    n, odd = leading_number(g["transistors_billion"])
    if n is not None:
        top.append(("transistors_billion", fmt_num(n, force_float=True)))
    if odd:
        conf["transistors_billion"] = "estimate"
        import_notes.append(f"transistors_billion from the reference table's {g['transistors_billion']!r}.")
    if g["memory_type"]:
        top.append(("memory_type", toml_str(g["memory_type"])))
    mem = parse_number(g["memory_gb"], "memory_gb", cid)
    if mem is not None:
        top.append(("memory_gb", fmt_num(mem)))
    tdp = parse_number(g["tdp_w"], "tdp_w", cid)
    if tdp is not None:
        top.append(("tdp_w", fmt_num(tdp)))
    ly = g["launch_year"]
    m = re.match(r"^(\d{4})", ly)
    if m:
        top.append(("launch_year", m.group(1)))
        if not re.fullmatch(r"\d{4}", ly):
            conf["launch_year"] = "estimate" if "approx" in ly.lower() else "unconfirmed"
            import_notes.append(f"launch_year from the reference table's {ly!r}.")
    elif ly:
        import_notes.append(f"launch_year left out: the reference table says {ly!r}.")
    country = g["vendor_country"]
    if country:
        code = COUNTRY_NAMES.get(country.lower(), country.upper() if re.fullmatch(r"[A-Za-z]{2}", country) else None)
        if not code:
            fail(f"{cid}: cannot map vendor_country {country!r} to an ISO 3166-1 alpha-2 code")
        top.append(("origin_country", toml_str(code)))

    # throughput (already dense in the CSV)
    tp: list[tuple[str, float]] = []
    for col, keys in (
        ("fp64_tflops", ["fp64"]),
        ("fp32_tflops", ["fp32"]),
        ("tf32_tflops", ["tf32"]),
        ("fp16_bf16_tflops", ["fp16", "bf16"]),
        ("fp8_tflops", ["fp8"]),
        ("int8_tops", ["int8"]),
        ("fp4_tflops", ["fp4"]),
    ):
        v = parse_number(g[col], col, cid)
        if v is None:
            continue
        if col == "fp16_bf16_tflops":
            if cid in FP16_ONLY:
                keys = ["fp16"]
                import_notes.append(FP16_ONLY[cid])
            elif cid in BF16_ONLY:
                keys = ["bf16"]
                import_notes.append(BF16_ONLY[cid])
        for k in keys:
            tp.append((k, v))
    has_figures = bool(tp)

    # row-level confidence for the rule-relevant figures
    level = row_level(g["confidence"])
    if level:
        if tp:
            conf["throughput"] = level
        if bw is not None:
            conf["memory_bandwidth_gbps"] = level
        if ic is not None:
            conf["interconnect_gbps"] = level
    for k, v in CONFIDENCE_OVERRIDES.get(cid, {}).items():
        conf[k] = v
    # keep only levels about keys the entry has (plus non_planar, which defaults)
    present = {k for k, _ in top} | ({"throughput"} if tp else set())
    conf = {k: v for k, v in conf.items() if k in present or k == "non_planar"}
    for k, v in conf.items():
        if v not in CONFIDENCE_LEVELS:
            fail(f"{cid}: bad confidence level {v!r} for {k}")

    # interconnect/PCIe description (no key of its own in the format)
    io_bits = []
    if g["interconnect_name"]:
        io_bits.append(f"interconnect: {g['interconnect_name']}")
    if g["pcie_gen"]:
        io_bits.append(f"PCIe Gen {g['pcie_gen']}")
    if io_bits:
        import_notes.append("Per the reference table, " + "; ".join(io_bits) + ".")
    if links == 0.0 and pcie is not None:
        import_notes.append(
            f"No chip-to-chip link: interconnect_gbps is 0. The host link, PCIe Gen {g['pcie_gen'].strip()} x16, "
            f"carries {fmt_num(pcie)} GB/s bidirectional and is not counted (see the catalog README)."
        )
    if cid == "nvidia-v100-pcie-16-32gb" and ic is not None:
        import_notes.append(
            "Unlike the other rows, interconnect_gbps here is the PCIe Gen3 x16 link itself (no NVLink on this card)."
        )

    if cid in EXTRA_NOTES:
        import_notes.append(EXTRA_NOTES[cid])

    # sources
    sources: list[dict[str, object]] = []
    urls = [u.strip() for u in re.split(r"\s+;\s+", g["source_url"]) if u.strip()] if g["source_url"] else []
    for u in urls:
        parts = u.split(None, 1)
        entry: dict[str, object] = {"url": parts[0]}
        if len(parts) > 1:
            entry["note"] = parts[1].strip().strip("()")
        sources.append(entry)
    sp = g["sparsity_note"]
    if sp:
        text = f"Throughput: {sp}"
        if sources:
            first = sources[0]
            first["note"] = f"{first['note']}. {text}" if "note" in first else text
        else:
            import_notes.append(text)
    if g["die_area_basis"]:
        sources.append({"covers": ["die_area_mm2"], "note": f"Die area basis: {g['die_area_basis']}"})
    if not urls:
        # Say where the entry comes from even when no figure could be sourced.
        sources.insert(0, {"note": "chipexport reference table (chips.csv, compiled 2026-11-29): "
                           "no usable public source was found for this part's figures; "
                           "they stay unknown (chips-notes.md, section 3)"})

    # notes
    notes_parts = []
    if g["notes"]:
        notes_parts.append(g["notes"])
    if import_notes:
        notes_parts.append("Import: " + " ".join(import_notes))
    if notes_parts:
        top.append(("notes", toml_str("\n".join(notes_parts))))
    if g["confidence"]:
        top.append(("source_quality", toml_str(g["confidence"])))

    # reference figures
    ref: list[tuple[str, str]] = []
    tpp = parse_number(g["tpp"], "tpp", cid)
    if tpp is not None:
        ref.append(("tpp", fmt_num(tpp, force_float=True)))
    pd = parse_number(g["pd"], "pd", cid)
    if pd is not None:
        ref.append(("performance_density", fmt_num(pd, force_float=True)))
    if g["tpp_basis"]:
        ref.append(("tpp_basis", toml_str(g["tpp_basis"])))

    # render
    lines = [
        "# Generated by tools/import_chips.py from the reference chip table.",
        "# Do not edit by hand: fix the CSV or the script and regenerate.",
    ]
    lines += [f"{k} = {v}" for k, v in top]
    if tp:
        lines += ["", "[throughput]"] + [f"{k} = {fmt_num(v)}" for k, v in tp]
    if conf:
        order = ["throughput", "die_area_mm2", "memory_bandwidth_gbps", "interconnect_gbps", "datacenter", "non_planar"]
        keys = [k for k in order if k in conf] + sorted(k for k in conf if k not in order)
        lines += ["", "[confidence]"] + [f"{toml_key(k)} = {toml_str(conf[k])}" for k in keys]
    for s in sources:
        lines += ["", "[[sources]]"]
        if "url" in s:
            lines.append(f"url = {toml_str(str(s['url']))}")
        if "covers" in s:
            lines.append(f"covers = {toml_str_array(list(s['covers']))}")  # type: ignore[arg-type]
        if "note" in s:
            lines.append(f"note = {toml_str(str(s['note']))}")
    if ref:
        lines += ["", "[reference]"] + [f"{k} = {v}" for k, v in ref]
    return cid, "\n".join(lines) + "\n", has_figures


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("csv", nargs="?", default=str(DEFAULT_CSV), help="reference chips.csv")
    ap.add_argument("--out", default=str(DEFAULT_OUT), help="catalog folder (default: data/catalog)")
    args = ap.parse_args()

    csv_path = Path(args.csv)
    out = Path(args.out)
    if not csv_path.is_file():
        fail(f"no such file: {csv_path}")
    with csv_path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = [c for c in EXPECTED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            fail(f"{csv_path}: missing columns: {', '.join(missing)}")
        rows = [r for r in reader if any((v or "").strip() for v in r.values())]

    first: dict[str, str] = {}
    for row in rows:
        first.setdefault(row["model"].strip(), make_id(row["vendor"].strip(), row["model"].strip(), row["variant"].strip()))
    first.update(PRIMARY)
    PRIMARY_IDS.update(first.values())

    results: dict[str, tuple[str, bool]] = {}
    origin: dict[str, str] = {}
    for i, row in enumerate(rows, start=2):
        cid, text, has = convert(row)
        where = f"line {i} ({row['vendor']} / {row['model']} / {row['variant']})"
        if cid in results:
            fail(f"id collision: {cid!r} from {where} and {origin[cid]}")
        results[cid] = (text, has)
        origin[cid] = where

    stale = sorted(set(CONFIDENCE_OVERRIDES) | set(ID_ALIASES) | set(FP16_ONLY) | set(BF16_ONLY)
                   | set(DIE_AREA_CONFIDENCE_OVERRIDES) | set(EXTRA_NOTES))
    stale = [k for k in stale if k not in results]
    if stale:
        fail(f"override tables name ids the CSV does not produce: {', '.join(stale)}")

    out.mkdir(parents=True, exist_ok=True)
    for old in sorted(out.glob("*.toml")):
        old.unlink()
    for cid in sorted(results):
        (out / f"{cid}.toml").write_text(results[cid][0], encoding="utf-8", newline="\n")

    with_figures = sum(1 for _, has in results.values() if has)
    print(f"wrote {len(results)} entries to {out} ({with_figures} with throughput figures)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
