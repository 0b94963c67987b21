import { randomBytes } from 'node:crypto';
import { SecretBox } from './secret-box';

describe('SecretBox', () => {
  it('seals every value under an IV of its own, across many draws of IVs, and opens each', () => {
    const box = new SecretBox(randomBytes(32));
    const sealed = Array.from({ length: 1000 }, (_, i) => box.seal(`secret ${i}`));
    const ivs = sealed.map((value) => value.split('.')[1]);
    expect(new Set(ivs).size).toBe(sealed.length);
    for (const iv of ivs) expect(Buffer.from(iv, 'base64url')).toHaveLength(12);
    expect(sealed.map((value) => box.open(value))).toEqual(sealed.map((_, i) => `secret ${i}`));
  });

  it('refuses a value whose ciphertext was changed', () => {
    const box = new SecretBox(randomBytes(32));
    const [version, iv, tag, ciphertext] = box.seal('secret').split('.');
    const flipped = Buffer.from(ciphertext, 'base64url');
    flipped[0] ^= 1;
    expect(() => box.open([version, iv, tag, flipped.toString('base64url')].join('.'))).toThrow();
  });
});
