# Shared by the conformance scripts (sourced, so .ci/run does not run it on its own): the agora
# binary, check(), servers stopped and files removed on exit, and the closing line.

# Builds agora and sets: runner, agora, passed, failed, work (a temporary directory), pids.
conformance_start() { # runner name
  runner=$1
  swift build --product agora >/dev/null 2>&1 || { echo "build failed"; echo "$runner: 0 passed, 1 failed"; exit 1; }
  agora="$(swift build --show-bin-path)/agora"
  passed=0; failed=0
  work=$(mktemp -d)
  pids=()
  trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$work"' EXIT
}

check() { # name, then a command that must succeed
  local name=$1; shift
  if "$@" >/dev/null 2>&1; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "not ok: $name"; fi
}

wait_for_health() { # base URL
  for _ in $(seq 1 60); do curl -sf "$1/health" >/dev/null && return; sleep 0.5; done
}

# Puts a PyPI client's venv on PATH, installing it when needed; exits the script with a skip line
# when Python or PyPI is not available.
python_client() { # venv directory, package, command
  local venv=$1 package=$2 command=$3
  if [ ! -x "$venv/bin/$command" ]; then
    if ! python3 -m venv "$venv" >/dev/null 2>&1 || ! "$venv/bin/pip" install -q "$package" >/dev/null 2>&1; then
      echo "$runner: skipping: could not install $package into a Python venv (no python3 -m venv or no PyPI)"
      echo "$runner: 0 passed, 0 failed (skipped)"
      exit 0
    fi
  fi
  export PATH="$(cd "$venv" && pwd)/bin:$PATH"
}

conformance_finish() {
  echo "$runner: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
