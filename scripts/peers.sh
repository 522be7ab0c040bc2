#!/usr/bin/env bash
# Installs the native tools the tests and the bench compare Sluice with, from Debian's
# packages, when they are missing: b3sum, openssl, coreutils checksums, GNU time, the
# Argon2 reference CLI (argon2: derive checks its PHC strings against it), ssh-keygen and
# age (the key formats' interop tests), unzip (the web app's ZIP of keys), git (the
# bench's `git status` peer), and Chromium for the browser tests. And what @sluice/native
# (Sluice's own BLAKE3 addon) builds from, offline: Debian's blake3, rayon and memmap2 crates,
# and Debian's cargo where no cargo is installed (rustup's ~/.cargo/bin counts).
set -euo pipefail
declare -A need=([argon2]=argon2 [b3sum]=b3sum [openssl]=openssl [sha256sum]=coreutils [b2sum]=coreutils [/usr/bin/time]=time [/usr/bin/chromium]=chromium [ssh-keygen]=openssh-client [age]=age [age-keygen]=age [unzip]=unzip [git]=git)
missing=()
for tool in "${!need[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("${need[$tool]}")
done
declare -A crates=([blake3]=librust-blake3-dev [rayon]=librust-rayon-dev [memmap2]=librust-memmap2-dev)
for crate in "${!crates[@]}"; do
  compgen -G "/usr/share/cargo/registry/${crate}-[0-9]*" >/dev/null || missing+=("${crates[$crate]}")
done
command -v cargo >/dev/null 2>&1 || [ -x "$HOME/.cargo/bin/cargo" ] || missing+=(cargo)
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
