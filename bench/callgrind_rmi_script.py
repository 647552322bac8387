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

Then `rmi_script all` runs the same way: every other RMI and Mica RMI
command once, and every RSI and Mica RSI command made by realm code on the
realm CPU. A realm call is the REC_ENTER in which the realm makes it and then
executes WFI; the REC_ENTER whose realm only executes WFI is subtracted, in
each column but the last, so its row is what the call added. The `total`
column of those rows is left empty: it holds the realm CPU, whose cost
depends on what the emulator must translate, not on the call.

Usage: callgrind_rmi_script.py RMI_SCRIPT [--work DIR] [--markdown FILE]
Prints the tables; --markdown also writes them as Markdown.
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


def run_callgrind(binary, mode, work, name, excluded):
    out_dir = os.path.join(work, mode, name.strip("+"))
    shutil.rmtree(out_dir, ignore_errors=True)
    os.makedirs(out_dir)
    toggles = ["--toggle-collect=" + ENTRY]
    if len(excluded) == 4:
        toggles.append("--toggle-collect=" + PLATFORM + "*")
    else:
        for group in excluded:
            toggles += ["--toggle-collect=" + PLATFORM + f + "*" for f in SERVICES[group]]
    cmd = ["valgrind", "--tool=callgrind", "--collect-atstart=no", *toggles, "--dump-instr=no", "--dump-line=no",
           "--callgrind-out-file=" + os.path.join(out_dir, "cg.out"), binary, mode]
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


def measure(binary, mode, work):
    results, commands = {}, {}
    for name, excluded in RUNS:
        results[name], commands[name] = run_callgrind(binary, mode, work, name, excluded)
    steps = sorted(results["monitor"], key=lambda label: int(label.split()[0]))
    for name, _ in RUNS:
        if sorted(results[name]) != sorted(steps):
            raise SystemExit(f"{mode}: run '{name}' dumped other commands than the first")
    return results, commands, steps


def cell(values):
    lo, hi = min(values), max(values)
    mean = sum(values) / len(values)
    return f"{mean:,.0f}" if lo == hi else f"{mean:,.0f} ({lo:,}-{hi:,})"


def table(results, steps, baseline=None):
    """Rows per command in order of first appearance: calls, mean per call of
    each run. With `baseline`, labels "REC_ENTER+X" become X minus the
    REC_ENTER labelled `baseline`."""
    base = {}
    if baseline is not None:
        label = next(l for l in steps if l.split(" ", 1)[1] == baseline)
        base = {name: results[name][label] for name, _ in RUNS}
    order, rows = [], {}
    for label in steps:
        command = label.split(" ", 1)[1]
        subtract = baseline is not None and command.startswith("REC_ENTER+")
        if subtract:
            command = command[len("REC_ENTER+"):]
        if command not in rows:
            order.append(command)
            rows[command] = {"calls": 0, **{name: [] for name, _ in RUNS}}
        rows[command]["calls"] += 1
        for name, _ in RUNS:
            rows[command][name].append(None if subtract and name == "total" else
                                       results[name][label] - (base[name] if subtract else 0))
    header = ["command", "calls"] + [name for name, _ in RUNS]
    lines = [[c, str(rows[c]["calls"])] + [cell(rows[c][name]) if None not in rows[c][name] else "" for name, _ in RUNS]
             for c in order]
    return header, lines


def text_table(header, lines, totals=None):
    rows = [header] + lines + ([totals] if totals else [])
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    def text_row(r):
        return "  ".join(r[i].ljust(widths[i]) if i == 0 else r[i].rjust(widths[i]) for i in range(len(r)))
    return "\n".join(text_row(r) for r in rows)


def markdown_table(header, lines, totals=None):
    out = ["| " + " | ".join(header) + " |", "|---|" + "---:|" * (len(header) - 1)]
    out += ["| " + " | ".join(r) + " |" for r in lines]
    if totals:
        out.append("| **" + totals[0] + "** | " + " | ".join(totals[1:]) + " |")
    return "\n".join(out) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("binary")
    parser.add_argument("--work", default="build-bench/callgrind")
    parser.add_argument("--markdown")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (scripts/install-deps)")

    fixed, commands, steps = measure(args.binary, "fixed", args.work)
    header, lines = table(fixed, steps)
    totals = ["whole sequence", str(len(steps))] + [f"{sum(fixed[name].values()):,}" for name, _ in RUNS]
    print("The fixed RMI sequence: instructions per command (callgrind Ir; mean per call, range if calls differ)")
    print(text_table(header, lines, totals))

    every, _, every_steps = measure(args.binary, "all", args.work)
    every_header, every_lines = table(every, every_steps, baseline="REC_ENTER")
    print()
    print("Every other command once (callgrind Ir; realm calls: added to a REC_ENTER whose realm executes WFI)")
    print(text_table(every_header, every_lines))

    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write("#### The fixed sequence\n\n")
            f.write(markdown_table(header, lines, totals))
            f.write("\n#### Every other command (`rmi_script all`)\n\n")
            f.write("Realm calls (RSI, PSCI, Mica RSI): what the call adds to a REC_ENTER whose realm only "
                    "executes WFI (the `REC_ENTER` row; its `total` includes the realm CPU, so realm calls leave "
                    "that column empty). `... completion`: the next REC_ENTER, which completes a "
                    "call that exited to the host and runs to the next WFI.\n\n")
            f.write(markdown_table(every_header, every_lines))
            f.write("\nvalgrind command of the `monitor` column (the others drop --toggle-collect options):\n\n```\n"
                    + commands["monitor"] + "\n```\n")


if __name__ == "__main__":
    main()
