import { codePointLength, hasCodePointLength } from './code-points';

describe('codePointLength', () => {
  it.each([
    ['', 0],
    ['abc', 3],
    ['\u00e9', 1],
    ['\u{1F600}', 1],
    ['\u{1F600}'.repeat(100), 100],
    ['a\u{1F600}b', 3],
    ['\ud83d', 1],
    ['\ude00x', 2],
    ['\ud83d\ud83d', 2],
  ])('counts %j as %i characters', (text, length) => {
    expect(codePointLength(text)).toBe(length);
  });
});

describe('hasCodePointLength', () => {
  it('judges by code points, not UTF-16 units', () => {
    expect(hasCodePointLength('\u{1F600}'.repeat(128), 1, 128)).toBe(true);
    expect(hasCodePointLength('\u{1F600}'.repeat(129), 1, 128)).toBe(false);
    expect(hasCodePointLength('', 1, 128)).toBe(false);
    expect(hasCodePointLength('', 0, 128)).toBe(true);
    expect(hasCodePointLength('\u{1F600}', 2, 5)).toBe(false);
    expect(hasCodePointLength('ab', 2, 2)).toBe(true);
  });
});
