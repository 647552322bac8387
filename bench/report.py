#!/usr/bin/env python3
"""Markdown tables from what scripts/bench measured (BUILD_DIR/bench-results):
Google Benchmark JSON of every bench_* program, the callgrind table of the
fixed RMI sequence, the machine they ran on and how long each took.

Usage: report.py RESULTS_DIR > report.md
"""
import json
import os
import re
import sys

MICA_RSI = {"MICA_RSI_VERSION", "MICA_WORKFLOW_INFO", "MICA_PEER_INFO", "MICA_CHANNEL_INFO", "MICA_GATE_CALL+REPLY",
            "MICA_GATE_vs_HOST_RELAY"}
ATTESTATION = ("RSI_ATTEST_TOKEN", "verify_token")


def short_name(name):
    return re.sub(r"/iterations:\d+|/manual_time|/real_time", "", name)


def ns(value, unit):
    return value * {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[unit]


def fmt_ns(value):
    if value >= 1e6:
        return f"{value / 1e6:,.2f} ms"
    if value >= 1e4:
        return f"{value / 1e3:,.1f} µs"
    return f"{value:,.0f} ns"


def group_of(name):
    base = name.split("/")[0]
    if base.startswith(ATTESTATION):
        return "Attestation"
    if base in MICA_RSI:
        return "Mica RSI (realm → monitor)"
    if base.startswith("MICA_"):
        return "Mica RMI (host → monitor)"
    if base.startswith(("RSI_", "PSCI_")):
        return "RSI and PSCI (realm → monitor)"
    if base.startswith("RMI_"):
        return "RMI (host → monitor)"
    return "Other"


def latency_tables(benchmarks):
    groups = {}
    for b in benchmarks:
        if b.get("run_type") == "aggregate":
            continue
        groups.setdefault(group_of(short_name(b["name"])), []).append(b)
    out = []
    for group in ["RMI (host → monitor)", "Mica RMI (host → monitor)", "RSI and PSCI (realm → monitor)",
                  "Mica RSI (realm → monitor)", "Attestation", "Other"]:
        if group not in groups:
            continue
        out.append(f"\n#### {group}\n")
        out.append("| command | mean | median | min | |")
        out.append("|---|---:|---:|---:|---|")
        for b in groups[group]:
            name = short_name(b["name"])
            if b.get("error_occurred"):
                out.append(f"| {name} | error: {b.get('error_message', '')} | | | |")
                continue
            mean = ns(b["real_time"], b["time_unit"])
            median = b.get("median_ns")
            low = b.get("min_ns")
            extra = []
            for key in ("policy_bytes", "token_bytes", "gate_ns", "relay_ns"):
                if key in b:
                    extra.append(f"{key.replace('_', ' ')} {b[key]:,.0f}")
            if "relay/gate" in b:
                extra.append(f"relay/gate {b['relay/gate']:.2f}")
            out.append(f"| {name} | {fmt_ns(mean)} | {fmt_ns(median) if median is not None else ''} | "
                       f"{fmt_ns(low) if low is not None else ''} | {', '.join(extra)} |")
    return "\n".join(out)


def realm_table(benchmarks):
    out = ["| benchmark | per call (median) | counters |", "|---|---:|---|"]
    for b in benchmarks:
        name = short_name(b["name"])
        if b.get("error_occurred"):
            out.append(f"| {name} | error: {b.get('error_message', '')} | |")
            continue
        counters = []
        for key in ("gate_ns", "relay_ns"):
            if key in b:
                counters.append(f"{key} {b[key]:,.0f}")
        if "relay/gate" in b:
            counters.append(f"relay/gate {b['relay/gate']:.2f}")
        out.append(f"| {name} | {fmt_ns(b.get('median_ns', 0))} | {', '.join(counters)} |")
    return "\n".join(out)


def policy_table(benchmarks):
    out = ["| benchmark | time | CPU | counters |", "|---|---:|---:|---|"]
    for b in benchmarks:
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") not in ("BigO", "RMS"):
            continue
        name = b["name"]
        if b.get("aggregate_name") in ("BigO", "RMS"):
            continue
        counters = []
        for key in ("realms", "channels", "cbor_KiB", "peak_heap_MiB", "bytes_per_second"):
            if key in b:
                value = b[key] / 1e6 if key == "bytes_per_second" else b[key]
                label = "MB/s" if key == "bytes_per_second" else key
                counters.append(f"{label} {value:,.1f}")
        out.append(f"| {name} | {fmt_ns(ns(b['real_time'], b['time_unit']))} | "
                   f"{fmt_ns(ns(b['cpu_time'], b['time_unit']))} | {', '.join(counters)} |")
    return "\n".join(out)


def main():
    results = sys.argv[1]
    machine = {}
    with open(os.path.join(results, "machine.txt")) as f:
        for line in f:
            key, _, value = line.rstrip("\n").partition("=")
            machine[key] = value
    seconds = {}
    if os.path.exists(os.path.join(results, "seconds.txt")):
        with open(os.path.join(results, "seconds.txt")) as f:
            for line in f:
                key, _, value = line.strip().partition("=")
                seconds[key] = value

    print("# Benchmark report (`make bench`)\n")
    print(f"Machine: {machine.get('nproc')} × {machine.get('cpu')}, {machine.get('kernel')}; "
          f"{machine.get('compiler')}; {machine.get('valgrind')}.  ")
    print(f"Date: {machine.get('date')}, commit {machine.get('commit')}, load average at start {machine.get('load')}.  ")
    if seconds:
        print("Seconds per part: " + ", ".join(f"{k} {v}" for k, v in seconds.items()) + ".")

    def load(name):
        path = os.path.join(results, name + ".json")
        if not os.path.exists(path):
            return None
        with open(path) as f:
            return json.load(f)["benchmarks"]

    monitor = load("bench_monitor")
    if monitor is not None:
        print("\n## Latency of the monitor's commands (bench_monitor)\n")
        print("Wall-clock time of one command on the success path: mean over all batches, median and minimum of the "
              "batch means. RSI rows: time added to a REC_ENTER by one call (difference of two REC_ENTERs; no "
              "minimum). `/rec_enter` rows: the whole REC_ENTER in which the realm makes that call and the "
              "monitor exits to the host.")
        print(latency_tables(monitor))
    realm = load("bench_realm")
    if realm is not None:
        print("\n## Realm programs on the emulated realm CPU (bench_realm)\n")
        print(realm_table(realm))
    cg = os.path.join(results, "rmi_script.md")
    if os.path.exists(cg):
        print("\n## The fixed RMI sequence: instructions per command (callgrind)\n")
        with open(cg) as f:
            print(f.read())
    policy = load("bench_policy")
    if policy is not None:
        print("\n## The policy compiler (bench_policy)\n")
        print(policy_table(policy))


if __name__ == "__main__":
    main()
