// The catalogue travels on its own protomux channel inside the same encrypted replication stream,
// so it needs no extra connection and is authenticated by the same Noise handshake.
import { Hypercore, c } from '../holepunch-modules.js'
import { decodeCatalogue, encodeCatalogue, type Catalogue } from './catalogue.js'

export const CATALOGUE_PROTOCOL = 'p2p-portal/catalogue'
export const PROTOCOL_VERSION = 1

export interface CatalogueChannelHandlers {
  onCatalogue (cat: Catalogue): void
  onBadMessage (): void
  /** Both sides have opened the channel: only now do sent messages reach the peer. */
  onOpen (): void
  onClose (): void
}

export class CatalogueChannel {
  private channel: any
  private message: any

  constructor (noiseStream: any, handlers: CatalogueChannelHandlers) {
    const mux = Hypercore.getProtocolMuxer(noiseStream)
    this.channel = mux.createChannel({
      protocol: CATALOGUE_PROTOCOL,
      id: null,
      handshake: c.uint,
      onopen: () => handlers.onOpen(),
      onclose: () => handlers.onClose(),
      messages: [{
        encoding: c.buffer,
        onmessage: (buf: Buffer) => {
          const cat = decodeCatalogue(buf)
          if (cat) handlers.onCatalogue(cat)
          else handlers.onBadMessage()
        }
      }]
    })
    this.message = this.channel?.messages[0] ?? null
  }

  /** False when the peer's muxer already has this channel (a duplicate connection being torn down). */
  get usable (): boolean { return this.channel !== null }

  open (): void { this.channel?.open(PROTOCOL_VERSION) }

  send (cat: Catalogue): void { this.sendEncoded(encodeCatalogue(cat)) }

  sendEncoded (buf: Buffer): void {
    if (this.channel && !this.channel.closed) this.message.send(buf)
  }

  close (): void { this.channel?.close() }
}
