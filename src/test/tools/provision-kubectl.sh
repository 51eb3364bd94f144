#!/usr/bin/env bash
# Makes a kubectl available to ManifestsTest, which renders k8s/ with `kubectl kustomize`.
# Runs in Maven's process-test-classes phase. Does nothing when $KUBECTL or a kubectl on PATH exists;
# otherwise unpacks Debian's kubernetes-client package (kubectl 1.20, kustomize v2) into $1 without
# installing anything. Never fails the build itself: ManifestsTest says what is missing.
set -uo pipefail
dest="$1"
if [ -n "${KUBECTL:-}" ] || command -v kubectl >/dev/null 2>&1 || [ -x "$dest/usr/bin/kubectl" ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-deb >/dev/null 2>&1; then
  echo "provision-kubectl: no kubectl and no apt-get/dpkg-deb here; install kubectl for ManifestsTest" >&2
  exit 0
fi
mkdir -p "$dest" && cd "$dest" || exit 0
if ! apt-get download kubernetes-client >/dev/null 2>&1; then
  apt-get update -qq >/dev/null 2>&1
  apt-get download kubernetes-client >/dev/null 2>&1 || { echo "provision-kubectl: apt-get download kubernetes-client failed" >&2; exit 0; }
fi
dpkg-deb -x kubernetes-client_*.deb . && echo "provision-kubectl: unpacked $(./usr/bin/kubectl version --client --short 2>/dev/null || echo kubectl) into $dest"
exit 0
