#!/usr/bin/env bash
# Installs the native tools the tests and the bench compare Sluice with, from Debian's
# packages, when they are missing: b3sum, openssl, coreutils checksums, GNU time, the
# Argon2 reference CLI (argon2: derive checks its PHC strings against it), ssh-keygen and
# age (the key formats' interop tests), unzip (the web app's ZIP of keys), git (the
# bench's `git status` peer), and Chromium for the browser tests.
set -euo pipefail
declare -A need=([argon2]=argon2 [b3sum]=b3sum [openssl]=openssl [sha256sum]=coreutils [b2sum]=coreutils [/usr/bin/time]=time [/usr/bin/chromium]=chromium [ssh-keygen]=openssh-client [age]=age [age-keygen]=age [unzip]=unzip [git]=git)
missing=()
for tool in "${!need[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("${need[$tool]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
packages=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "Missing tools for the tests: install the Debian packages: $packages" >&2
  exit 1
fi
echo "Installing peer tools from Debian: $packages"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $packages >/dev/null
