# Shared helpers for the image scripts (sourced, not run).
# The same Debian host the build machine's apt uses; override for another mirror.
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
DEBIAN_SECURITY_MIRROR=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}

log() { echo "[image] $*" >&2; }
die() { echo "[image] error: $*" >&2; exit 1; }

# Foreign-architecture chroots (mmdebstrap, the raspi-firmware hook) run through qemu-user-static.
ensure_binfmt_arm64() {
  if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc || die "cannot mount binfmt_misc"
  fi
  if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
    update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || true
  fi
  arch-test arm64 >/dev/null || die "arm64 binaries do not run here: apt-get install qemu-user-static binfmt-support"
}
