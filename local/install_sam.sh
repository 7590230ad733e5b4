#!/usr/bin/env bash
# Install the AWS SAM CLI into its own venv (.local/tools/sam) and print the path of `sam`.
#
# Why a separate venv: aws-sam-cli pins boto3/botocore/jsonschema ranges that fight the project's
# moto/boto3 pins in .venv. Idempotent: a second run with the right version installed is a no-op.
# Callers should export SAM_CLI_TELEMETRY=0 (the Makefile and tests do).
set -euo pipefail

SAM_VERSION="${SAM_VERSION:-1.170.0}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${SAM_VENV:-$ROOT/.local/tools/sam}"
SAM="$VENV/bin/sam"
PYTHON="${PYTHON:-python3}"

installed_version() {
    "$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("aws-sam-cli"))' 2>/dev/null || true
}

if [[ -x "$SAM" && "$(installed_version)" == "$SAM_VERSION" ]]; then
    echo "$SAM"
    exit 0
fi

if [[ ! -x "$VENV/bin/python" ]]; then
    mkdir -p "$(dirname "$VENV")"
    "$PYTHON" -m venv "$VENV" >&2
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "aws-sam-cli==$SAM_VERSION" >&2

if [[ "$(installed_version)" != "$SAM_VERSION" ]]; then
    echo "install_sam.sh: aws-sam-cli==$SAM_VERSION did not install into $VENV" >&2
    exit 1
fi
echo "$SAM"
