import { normalisedPath, originForm } from './request-target';

describe('request targets', () => {
  it('turns an absolute-form target into its origin form, query kept as sent', () => {
    expect(originForm('http://example.com:3000/w/abc.def?x=%20y')).toBe('/w/abc.def?x=%20y');
    expect(originForm('HTTPS://example.com')).toBe('/');
    expect(originForm('http://example.com?x=1')).toBe('/?x=1');
    expect(originForm('/w/abc')).toBe('/w/abc');
    expect(originForm('*')).toBe('*');
  });

  it.each([
    ['/w/tok.sig?a=1', '/w/tok.sig'],
    ['//w/tok.sig', '/w/tok.sig'],
    ['/%77/tok.sig', '/w/tok.sig'],
    ['/%2577/tok.sig', '/w/tok.sig'],
    ['/%W/%77/x', '/%w/w/x'],
    ['http://host/W//tok', '/w/tok'],
    ['/\\w/tok', '/w/tok'],
  ])('reads %p as %p', (target, path) => {
    expect(normalisedPath(target)).toBe(path);
  });
});
