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


def dataplane_tables(benchmarks):
    paths = {}
    ratios = None
    for b in benchmarks:
        name = short_name(b["name"])
        if not name.startswith("dataplane/"):
            continue
        path = name.split("/", 1)[1]
        if b.get("error_occurred"):
            paths[path] = {"error": b.get("error_message", "")}
        elif path == "ratios":
            ratios = b
        else:
            paths[path] = b
    if not paths:
        return ""
    out = ["| path | moved | runs | wall (median; min–max) | MiB/s | host CPU | guest insn/byte | writer + reader | "
           "REC_ENTERs | own-PE MiB/s |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for path, b in paths.items():
        if "error" in b:
            out.append(f"| {path} | error: {b['error']} |" + " |" * 8)
            continue
        split = ""
        if "writer_insn/B" in b:
            split = f"{b['writer_insn/B']:.3f} + {b['reader_insn/B']:.3f}"
        own = f"{b['own_PE_MiB/s']:,.1f}" if "own_PE_MiB/s" in b else ""
        wall = f"{b['wall_s']:,.3f} s"
        if b.get("rounds", 1) > 1:
            wall += f" ({b['wall_min_s']:,.2f}–{b['wall_max_s']:,.2f})"
        out.append(f"| {path} | {b['MiB']:,.0f} MiB | {b.get('rounds', 1):,.0f} | {wall} | {b['MiB/s']:,.2f} | "
                   f"{b['cpu_s']:,.3f} s | {b['insn/B']:,.3f} | {split} | {b['rec_enters']:,.0f} | {own} |")
    if ratios is not None:
        out.append("")
        out.append("| ratio (same run) | value |")
        out.append("|---|---:|")
        labels = [
            ("speedup_vs_aes256gcm", "channel bytes/s ÷ AES-256-GCM baseline bytes/s"),
            ("speedup_vs_chacha20poly1305", "channel bytes/s ÷ ChaCha20-Poly1305 baseline bytes/s"),
            ("cpu_vs_aes256gcm", "AES-256-GCM baseline host CPU/byte ÷ channel host CPU/byte"),
            ("cpu_vs_chacha20poly1305", "ChaCha20-Poly1305 baseline host CPU/byte ÷ channel host CPU/byte"),
            ("insn_vs_aes256gcm", "AES-256-GCM baseline insn/byte ÷ channel insn/byte"),
            ("insn_vs_chacha20poly1305", "ChaCha20-Poly1305 baseline insn/byte ÷ channel insn/byte"),
            ("channel/memcpy_time", "channel time ÷ memcpy time (one emulated CPU, realms in turn)"),
            ("channel/memcpy_cpu", "channel host CPU/byte ÷ memcpy host CPU/byte"),
            ("bounce/memcpy_time", "memcpy through a bounce buffer (two copies) time ÷ memcpy time"),
            ("channel/bounce_time", "channel time ÷ memcpy-through-a-bounce-buffer time"),
            ("channel_own_PE/memcpy_time", "channel time with a PE per realm (derived) ÷ memcpy time"),
            ("channel/memcpy_insn", "channel insn/byte ÷ memcpy insn/byte"),
        ]
        for key, label in labels:
            if key in ratios:
                out.append(f"| {label} | {ratios[key]:,.2f} |")
    return "\n".join(out)


def deploy_table(benchmarks):
    rows = [b for b in benchmarks if short_name(b["name"]).startswith("deploy/")]
    if not rows:
        return ""
    out = ["| components | deploy | run to exit | teardown | RD | REC | REC aux | RTT | WORKFLOW + aux | SHARED | "
           "monitor holds | DATA (apart) |",
           "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for b in rows:
        n = short_name(b["name"]).split("/")[-1]
        if b.get("error_occurred"):
            out.append(f"| {n} | error: {b.get('error_message', '')} |" + " |" * 10)
            continue
        out.append(f"| {n} | {b['deploy_ms']:,.1f} ms | {b['run_ms']:,.1f} ms | {b['teardown_ms']:,.1f} ms | "
                   f"{b['RD']:,.0f} | {b['REC']:,.0f} | {b['REC_AUX']:,.0f} | {b['RTT']:,.0f} | {b['WORKFLOW']:,.0f} | "
                   f"{b['SHARED']:,.0f} | {b['monitor_KiB']:,.0f} KiB | {b['DATA']:,.0f} granules, "
                   f"{b['data_KiB']:,.0f} KiB |")
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
    workflow = load("bench_workflow")
    if workflow is not None:
        dataplane = dataplane_tables(workflow)
        if dataplane:
            print("\n## The data plane: channel, AEAD through the host, memcpy (bench_workflow)\n")
            print("One run of each path, back to back in one process. Wall time from the moment every realm of the "
                  "path is ready to the last one's end; guest instructions counted per VMID by the realm CPU over "
                  "the same interval; host CPU = the benchmark process's CPU time over it. own-PE: bytes over the "
                  "busier realm's share of that time (derived: as if each realm had a PE of its own).\n")
            print(dataplane)
        deploy = deploy_table(workflow)
        if deploy:
            print("\n## Deploying a workflow of N components (bench_workflow)\n")
            print("Medians over the iterations. Granules the monitor holds once deployed (granule table census); "
                  "DATA is the realms' RAM, listed apart. 4 KiB each.\n")
            print(deploy)
    policy = load("bench_policy")
    if policy is not None:
        print("\n## The policy compiler (bench_policy)\n")
        print(policy_table(policy))


if __name__ == "__main__":
    main()
