// The overview's "copies on the LAN" section: every drive of the region with its copies against the target and
// the nodes holding it, the drives closest to being lost first. Plain HTML: it needs no script.
import { html, type Html } from './html.js'
import type { AdminTranslator } from '../i18n/admin-language.js'
import type { AdminKey } from '../i18n/admin-strings.js'
import type { CopyState, DriveHealth, HolderNode } from '../../services/node/region-health.js'
import type { NodeStatus } from '../../services/node/node-status.js'

type T = AdminTranslator['t']

const STATE: Record<CopyState, AdminKey> = { lost: 'regionLost', 'publisher-only': 'regionPublisherOnly', 'at-risk': 'regionAtRisk', safe: 'regionSafe' }

export function regionSection (t: T, region: NodeStatus['region'], drives: DriveHealth[]): Html {
  const atRisk = drives.filter(d => d.state !== 'safe').length
  return html`<h2 id="region">${t('regionTitle')}</h2>
<section aria-labelledby="region"><p data-region-summary>${t('regionSummary', { nodes: region.nodes, drives: drives.length, atRisk })}</p>
<p class="note">${t('regionHelp', { k: region.copies })}</p>
${drives.length ? html`<table><tr><th>${t('title')}</th><th>${t('regionState')}</th><th>${t('regionHeldBy')}</th></tr>
${drives.map(d => html`<tr data-region-drive="${d.key}" data-state="${d.state}"><td>${d.title || t('untitled')}<div class="key">${d.key}</div></td>
<td>${d.state === 'safe' ? '' : html`<strong class="risk${d.state === 'at-risk' ? ' some' : ''}">${t(STATE[d.state])}</strong><br>`}${t('regionCopies', { n: d.copies, k: d.target })}${d.state === 'safe' ? html` (${t('regionSafe')})` : ''}</td>
<td>${d.holders.length ? html`<ul class="holders">${d.holders.map(h => holder(t, h))}</ul>` : '—'}</td></tr>`)}</table>` : html`<p class="note">${t('regionNone')}</p>`}</section>`
}

function holder (t: T, h: HolderNode): Html {
  const tags = [h.self ? t('regionThisNode') : '', h.publisher ? t('regionPublisher') : ''].filter(Boolean).join(', ')
  return html`<li>${h.name || html`${t('unnamed')} <span class="key">${h.key.slice(0, 8)}</span>`}${tags ? ` (${tags})` : ''}</li>`
}
