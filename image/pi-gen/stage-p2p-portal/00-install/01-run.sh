#!/bin/bash -e
# pi-gen: install the same appliance layer as the Debian image (image/install-overlay.sh and
# image/overlay/ from this repository: not a copy). The app tree with arm64 node_modules is prepared
# beforehand on the build host: image/build-app.sh "$P2P_PORTAL_APP" (see image/README.md).
P2P_PORTAL_IMAGE_DIR=${P2P_PORTAL_IMAGE_DIR:-$(cd "${STAGE_DIR}/../.." && pwd)}
: "${P2P_PORTAL_APP:?set P2P_PORTAL_APP to the app tree made by image/build-app.sh}"
"${P2P_PORTAL_IMAGE_DIR}/install-overlay.sh" "${ROOTFS_DIR}" "${P2P_PORTAL_APP}"
