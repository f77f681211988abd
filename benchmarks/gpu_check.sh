#!/usr/bin/env bash
# Every GPU check of the torch engine in one run: the tests on CUDA, then the benchmark on the
# text8 prefix (skip-gram and CBOW: fused, batched and the CPU engine; the full softmax),
# the 8x repeat (steady state) and a short sweep of the fused kernels' run length and warps.
# Expected to take about 5 minutes on an H100; nothing needs installing on a machine whose
# python3 has PyTorch (CUDA), Triton, NumPy, numba, typer, rich, matplotlib and pytest.
#
#   bash benchmarks/gpu_check.sh [OUT_DIR] [CORPUS]
#
# OUT_DIR (default gpu_results) receives env.txt, tests.log and one .json and .log per
# benchmark. CORPUS defaults to ../shared/data/text8/text8_prefix.gz beside the repository.
# Relative paths are taken from the current folder.
# Smoke test on a CPU (checks the script, measures nothing):
#   DEVICE=cpu MAX_WORDS=2000 TRITON_INTERPRET=1 PYTHON=.venv/bin/python bash benchmarks/gpu_check.sh /tmp/smoke
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:-gpu_results}")
corpus=$(realpath -m "${2:-$repo/../shared/data/text8/text8_prefix.gz}")
if [[ ! -f "$corpus" ]]; then
    echo "gpu_check.sh: error: corpus '$corpus' not found; pass it as the second argument" >&2
    exit 2
fi
cd "$repo"
device=${DEVICE:-cuda}
python=${PYTHON:-python3}
limit=()
if [[ -n "${MAX_WORDS:-}" ]]; then limit=(--max-words "$MAX_WORDS" --epochs 1); fi
mkdir -p "$out"
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
status=0

step() {  # step NAME COMMAND...: run, log to OUT_DIR/NAME.log, remember a failure
    echo "== $1: ${*:2}" >&2
    "${@:2}" 2>&1 | tee "$out/$1.log"
    local rc=${PIPESTATUS[0]}
    if (( rc != 0 )); then echo "== $1 failed with status $rc" >&2; status=1; fi
}

{
    date -u +%FT%TZ
    if command -v nvidia-smi >/dev/null; then
        nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
    fi
    "$python" -c "import platform, torch, triton; print(platform.platform(), 'python',
        platform.python_version(), 'torch', torch.__version__, 'triton', triton.__version__,
        'cuda', torch.version.cuda)"
} 2>&1 | tee "$out/env.txt"

step tests "$python" -m pytest -q -p no:cacheprovider tests/test_triton_kernels.py \
    tests/test_torch_engine.py tests/test_torch_steps.py
step gpu "$python" benchmarks/gpu.py "$corpus" --device "$device" "${limit[@]}" \
    --variants sg-neg,cbow-neg --out "$out/gpu.json"
step softmax "$python" benchmarks/gpu.py "$corpus" --device "$device" "${limit[@]}" \
    --variants sg-softmax --no-cpu-engine --out "$out/softmax.json"
step gpu8 "$python" benchmarks/gpu.py "$corpus" --device "$device" "${limit[@]}" --repeat 8 \
    --variants sg-neg --out "$out/gpu8.json"
for run in 4 64; do
    step "run$run" "$python" benchmarks/gpu.py "$corpus" --device "$device" "${limit[@]}" \
        --variants sg-neg --kernels fused --no-cpu-engine --centers-per-run "$run" \
        --out "$out/run$run.json"
done
step warps8 "$python" benchmarks/gpu.py "$corpus" --device "$device" "${limit[@]}" \
    --variants sg-neg --kernels fused --no-cpu-engine --warps 8 --out "$out/warps8.json"
exit $status
