// A content hash in asset URLs, so phones may cache them for long and still get a new version at once.
import crypto from 'node:crypto'
import { PORTAL_CSS } from './portal-css.js'
import { PORTAL_JS } from './portal-js.js'

export const ASSET_VERSION = crypto.createHash('sha256').update(PORTAL_CSS).update(PORTAL_JS).digest('hex').slice(0, 10)
