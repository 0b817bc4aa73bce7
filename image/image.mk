# Appliance image targets (included by the top Makefile). See image/README.md.
#   make image            dist/p2p-portal-<version>-arm64.img(.xz), .sha256, Imager os_list JSON
#   make image-test       builds a test image (seeded drive, zstd) and boots it under QEMU: boot, portal,
#                         watchdog, boot config, Imager firstrun, hotspot with virtual radios, updates from a
#                         host node on a test LAN (install, rollback, power cut mid-install)
#   make image-test-pair  two booted images find each other over mDNS and mirror a drive (slower)
#   make image-rootfs     only the cached Debian rootfs (/var/cache/p2p-portal-image)
.PHONY: image image-test image-test-pair image-rootfs image-deps
image-deps:
	bash image/install-build-deps.sh
image-rootfs: image-deps
	image/build-rootfs.sh
image: image-deps
	IMAGE_COMPRESS=$${IMAGE_COMPRESS:-xz} image/build-image.sh
image-test: image-deps
	bash test/image/run.sh boot
image-test-pair: image-deps
	bash test/image/run.sh pair
