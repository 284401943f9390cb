#!/usr/bin/env python3
"""Prints the hottest loop of a C2-compiled method from a -XX:CompileCommand=print log.

The hsdis on the development VM prints code as hex words, not instructions; this decodes the last C2
nmethod of the log with objdump and prints its longest call-free backward-branch loop, numbered, so a
change to the hot path can be judged by what the JIT made of it (there are no hardware counters in the
VM, so perfasm and perfnorm do not work). Usage, from the repository root:

    java -jar benchmarks/target/benchmarks.jar TinyHotPath -p allocator=hakmem -p size=64 -f 1 -wi 3 -i 1 \\
        -jvmArgsAppend "-XX:+UnlockDiagnosticVMOptions \\
        -XX:CompileCommand=print,*TinyHotPath_allocateFree_jmhTest::allocateFree_avgt_jmhStub" > /tmp/c2.log
    python3 benchmarks/scripts/hot_loop.py /tmp/c2.log
"""
import re
import signal
import subprocess
import sys
import tempfile

NMETHOD = "============================= C2-compiled nmethod =============================="


def code_bytes(log):
    """The main code section of the last C2 nmethod: (start address, bytes)."""
    body = log.split(NMETHOD)[-1]
    start = body.find("[Verified Entry Point]")
    if start < 0:
        start = body.find("[Entry Point]")
    end = body.find("[Stub Code]")
    data, first = bytearray(), None
    for line in body[start:end].splitlines():
        match = re.match(r"\s*0x([0-9a-f]+): ([0-9a-f |]+)$", line)
        if match:
            if first is None:
                first = int(match.group(1), 16)
            data += bytes.fromhex(match.group(2).replace("|", "").replace(" ", ""))
    if first is None:
        sys.exit("no C2 nmethod with hex code in the log (was the method compiled by C2 and printed?)")
    return first, bytes(data)


def instructions(first, data):
    with tempfile.NamedTemporaryFile(suffix=".bin") as f:
        f.write(data)
        f.flush()
        out = subprocess.run(["objdump", "-D", "-b", "binary", "-mi386:x86-64", f"--adjust-vma={first}", f.name],
                             capture_output=True, text=True, check=True).stdout
    result = []
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) >= 3 and parts[0].strip().endswith(":"):
            result.append((int(parts[0].strip().rstrip(":"), 16), parts[2].strip()))
    return result


def hottest_loop(code):
    index = {address: i for i, (address, _) in enumerate(code)}
    best = None
    for i, (address, text) in enumerate(code):
        match = re.match(r"j\w+\s+0x([0-9a-f]+)", text)
        if not match:
            continue
        target = int(match.group(1), 16)
        if target < address and target in index:
            body = code[index[target]:i + 1]
            if not any(t.startswith("call") for _, t in body) and (best is None or len(body) > len(best)):
                best = body
    return best


def main():
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `| head` is fine
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with open(sys.argv[1]) as f:
        first, data = code_bytes(f.read())
    loop = hottest_loop(instructions(first, data))
    if loop is None:
        sys.exit("no loop found")
    print(f"loop: {len(loop)} instructions")
    for n, (_, text) in enumerate(loop, 1):
        print(f"{n:4d}  {text}")


if __name__ == "__main__":
    main()
