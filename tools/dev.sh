#!/usr/bin/env bash
# Set up and run pnc-evcc on a Debian machine: `tools/dev.sh run` or `tools/dev.sh test`.
# Idempotent: Debian packages, the virtualenv and the third-party peers are installed only
# when missing or when setup.cfg changed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
PYTHON=${PYTHON:-python3}

DEBS=(swtpm swtpm-tools tpm2-tools libtss2-dev libtss2-tcti-swtpm0 mosquitto plc-utils plc-utils-extra
      iproute2 pkg-config openssl tcpdump)

log() { printf '\033[1m[evcc setup]\033[0m %s\n' "$*" >&2; }
# pip warns about every configured local index that does not exist on this machine.
quiet_pip() { grep -v "^WARNING: Location 'file://" >&2 || true; }

ensure_debs() {
    local missing=()
    for p in "${DEBS[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        log "missing Debian packages (run as root to install): ${missing[*]}"
        return 0
    fi
    log "installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# ensure_venv DIR STAMP PIP-ARGS...: create DIR and pip-install PIP-ARGS unless STAMP matches.
ensure_venv() {
    local dir=$1 stamp=$2; shift 2
    if [ -f "$dir/.evcc-stamp" ] && [ "$(cat "$dir/.evcc-stamp")" = "$stamp" ]; then
        return 0
    fi
    log "preparing $dir"
    [ -x "$dir/bin/python" ] || "$PYTHON" -m venv "$dir"
    "$dir/bin/python" -m pip install -q --upgrade pip setuptools wheel 2>&1 | quiet_pip
    "$dir/bin/python" -m pip install -q "$@" 2>&1 | quiet_pip
    echo "$stamp" > "$dir/.evcc-stamp"
}

ensure_project() {
    local stamp
    stamp=$(cat setup.cfg pyproject.toml | sha256sum | cut -c1-16)
    ensure_venv .venv "$stamp" -e ".[tpm,ota,dev]"
    # Byte-compile once (a no-op when up to date): the generated EXI grammars are large, and
    # an installed product ships its bytecode too, so first imports stay fast.
    .venv/bin/python -m compileall -q -j 0 evcc keystore ota platform/evcc_platform >/dev/null
}

# Third-party peers for interop tests and benchmarks, each in its own virtualenv because
# their pinned dependencies conflict with ours and with each other.
ensure_peers() {
    ensure_venv .peers/pyslac "pyslac-0.8.3" pyslac==0.8.3 'marshmallow<4'
    ensure_venv .peers/iso15118 "iso15118-0.31.2" iso15118==0.31.2 aiofile
}

case "${1:-}" in
    run)
        shift
        ensure_debs
        ensure_project
        exec .venv/bin/evcc demo "$@"
        ;;
    test)
        shift
        ensure_debs
        ensure_project
        ensure_peers
        log "ruff"
        .venv/bin/ruff check .
        log "mypy --strict"
        .venv/bin/mypy evcc keystore ota platform/evcc_platform tools benchmarks tests
        log "lint-imports (layers, no import cycles: .importlinter)"
        .venv/bin/lint-imports --no-cache
        log "pytest"
        # pytest exits 5 when no test ran; that is a failure here as well.
        exec .venv/bin/python -m pytest "$@"
        ;;
    *)
        echo "usage: tools/dev.sh run|test [ARGS...]" >&2
        exit 64
        ;;
esac
