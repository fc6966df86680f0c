import { describe, expect, it } from 'vitest';
import { addressSubject } from './address';

describe('addressSubject: what a per-address counter counts', () => {
  it('keeps an IPv4 address as it is', () => {
    expect(addressSubject('203.0.113.7')).toBe('203.0.113.7');
    expect(addressSubject('127.0.0.1')).toBe('127.0.0.1');
  });

  it('counts an IPv4-mapped IPv6 address as its IPv4 address', () => {
    expect(addressSubject('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(addressSubject('::FFFF:cb00:7107')).toBe('203.0.113.7');
    expect(addressSubject('0:0:0:0:0:ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('counts every address of one IPv6 /64 as one client, however it is spelled', () => {
    const spellings = [
      '2001:db8:85a3:12::1',
      '2001:db8:85a3:12:ffff:ffff:ffff:ffff',
      '2001:0db8:85a3:0012:0000:0000:0000:0002',
      '2001:DB8:85A3:12:abcd::9',
      '2001:db8:85a3:12::1%eth0',
    ];
    expect(new Set(spellings.map(addressSubject))).toEqual(new Set(['2001:db8:85a3:12::/64']));
  });

  it('keeps two /64s apart, and the zero-compressed prefix', () => {
    expect(addressSubject('2001:db8:85a3:13::1')).toBe('2001:db8:85a3:13::/64');
    expect(addressSubject('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressSubject('::1')).toBe('0:0:0:0::/64');
    expect(addressSubject('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    // An embedded IPv4 tail that is not the mapped prefix is an IPv6 address like any other.
    expect(addressSubject('64:ff9b::203.0.113.7')).toBe('64:ff9b:0:0::/64');
  });

  it('uses anything that is not an address as given', () => {
    expect(addressSubject('unknown')).toBe('unknown');
  });
});
