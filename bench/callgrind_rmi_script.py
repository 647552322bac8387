#!/usr/bin/env python3
"""Instruction counts of the fixed RMI sequence (bench/rmi_script.cpp) under
valgrind's callgrind, command by command.

rmi_script zeroes callgrind's counters before each SMC and dumps them after
it, naming the dump after the command. Collection is switched on only inside
the monitor's RMI entry, mica::monitor::Monitor::handle_rmi (valgrind
--collect-atstart=no --toggle-collect=...handle_rmi*), so the host's code
never counts. Each further --toggle-collect names platform services the
monitor calls through its PlatformInterface (implemented by
mica::platform::Machine::MonitorPlatform): inside them collection is off
again. The sequence runs five times, excluding less each time:

  monitor     every PlatformInterface call excluded: the monitor's own code
              (src/monitor, and the libc/libstdc++ routines it calls, e.g.
              memset when it zeroes a granule)
  +memory     + granule_memory (the granule's address), ns_read / ns_write
              (copies from and to NS memory after the GPC check)
  +crypto     + hash_init/update/finish (SHA-256/512, mbedTLS), entropy,
              rak_sign (ES384), platform_token, rak_public_key
  +EL3        + gtsi_delegate / gtsi_undelegate (EL3's GPT transition and
              scrub, emulated)
  total       + tlbi_ipa / tlbi_vmid and run_realm / forget_rec: the realm
              CPU (Unicorn running realm code, its TLB) -- everything under
              handle_rmi

Usage: callgrind_rmi_script.py RMI_SCRIPT [--work DIR] [--markdown FILE]
Prints a table; --markdown also writes it as Markdown.
"""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys

ENTRY = "mica::monitor::Monitor::handle_rmi*"
PLATFORM = "mica::platform::Machine::MonitorPlatform::"
SERVICES = {
    "memory": ["granule_memory", "ns_read", "ns_write"],
    "crypto": ["hash_init", "hash_update", "hash_finish", "entropy", "rak_sign", "platform_token", "rak_public_key"],
    "el3": ["gtsi_delegate", "gtsi_undelegate"],
    "cpu": ["tlbi_ipa", "tlbi_vmid", "run_realm", "forget_rec"],
}
# Each run excludes the services not yet added.
RUNS = [
    ("monitor", ["memory", "crypto", "el3", "cpu"]),
    ("+memory", ["crypto", "el3", "cpu"]),
    ("+crypto", ["el3", "cpu"]),
    ("+EL3", ["cpu"]),
    ("total", []),
]


def run_callgrind(binary, work, name, excluded):
    out_dir = os.path.join(work, name.strip("+"))
    shutil.rmtree(out_dir, ignore_errors=True)
    os.makedirs(out_dir)
    toggles = ["--toggle-collect=" + ENTRY]
    if len(excluded) == 4:
        toggles.append("--toggle-collect=" + PLATFORM + "*")
    else:
        for group in excluded:
            toggles += ["--toggle-collect=" + PLATFORM + f + "*" for f in SERVICES[group]]
    cmd = ["valgrind", "--tool=callgrind", "--collect-atstart=no", *toggles, "--dump-instr=no", "--dump-line=no",
           "--callgrind-out-file=" + os.path.join(out_dir, "cg.out"), binary]
    result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stderr[-3000:])
        raise SystemExit(f"callgrind run '{name}' failed (exit {result.returncode})")
    counts = {}
    for path in glob.glob(os.path.join(out_dir, "cg.out.*")):
        trigger, total = None, None
        with open(path) as f:
            for line in f:
                if line.startswith("desc: Trigger: Client Request: "):
                    trigger = line.split(": ", 2)[2].split(": ", 1)[1].strip()
                elif line.startswith("summary:") or line.startswith("totals:"):
                    total = int(line.split()[1])
        if trigger is not None:
            counts[trigger] = total or 0
    return counts, " ".join(cmd)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("binary")
    parser.add_argument("--work", default="build-bench/callgrind")
    parser.add_argument("--markdown")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (scripts/install-deps)")

    results = {}
    commands = {}
    for name, excluded in RUNS:
        results[name], commands[name] = run_callgrind(args.binary, args.work, name, excluded)
    steps = sorted(results["monitor"], key=lambda label: int(label.split()[0]))
    for name, _ in RUNS:
        if sorted(results[name]) != steps:
            raise SystemExit(f"run '{name}' dumped other commands than the first")

    # Per command, in order of first appearance: calls and the mean count per call of each run.
    order, rows = [], {}
    for label in steps:
        command = label.split(" ", 1)[1]
        if command not in rows:
            order.append(command)
            rows[command] = {"calls": 0, **{name: [] for name, _ in RUNS}}
        rows[command]["calls"] += 1
        for name, _ in RUNS:
            rows[command][name].append(results[name][label])

    def cell(values):
        lo, hi = min(values), max(values)
        mean = sum(values) / len(values)
        return f"{mean:,.0f}" if lo == hi else f"{mean:,.0f} ({lo:,}-{hi:,})"

    header = ["command", "calls"] + [name for name, _ in RUNS]
    lines = []
    for command in order:
        row = rows[command]
        lines.append([command, str(row["calls"])] + [cell(row[name]) for name, _ in RUNS])
    totals = ["whole sequence", str(len(steps))] + [f"{sum(results[name].values()):,}" for name, _ in RUNS]

    widths = [max(len(r[i]) for r in [header, totals] + lines) for i in range(len(header))]
    def text_row(r):
        return "  ".join(r[i].ljust(widths[i]) if i == 0 else r[i].rjust(widths[i]) for i in range(len(r)))
    print("Instructions executed per command (valgrind callgrind, Ir; mean per call, range if calls differ)")
    print(text_row(header))
    for r in lines:
        print(text_row(r))
    print(text_row(totals))

    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write("| " + " | ".join(header) + " |\n")
            f.write("|---|" + "---:|" * (len(header) - 1) + "\n")
            for r in lines:
                f.write("| " + " | ".join(r) + " |\n")
            f.write("| **" + totals[0] + "** | " + " | ".join(totals[1:]) + " |\n")
            f.write("\nvalgrind command of the `monitor` column:\n\n```\n" + commands["monitor"] + "\n```\n")


if __name__ == "__main__":
    main()
