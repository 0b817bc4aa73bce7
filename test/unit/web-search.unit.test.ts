import { describe, it, expect } from 'vitest'
import { words } from '../../services/search/search-index.js'

describe('search', () => {
  it('splits words in every script the portal speaks', () => {
    expect(words('مرحبا بالعالم, Ça va? niño')).toEqual(['مرحبا', 'بالعالم', 'ca', 'va', 'nino'])
  })
})
