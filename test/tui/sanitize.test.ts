import { describe, expect, it } from 'vitest';
import { sanitize, sanitizeLine } from '../../tui/sanitize.js';

const ESC = '\x1b';

describe('sanitize: customer text cannot drive the terminal', () => {
  it('keeps ordinary text, emoji, CJK, Arabic and Hebrew as they are', () => {
    for (const text of [
      'Hello, my invoice is wrong!',
      'ciao 👋🏽 😀',
      '你好，我想和人工客服说话',
      'مرحبا، أريد المساعدة',
      'שלום עולם',
      '👨‍👩‍👧 family',
    ]) {
      expect(sanitize(text)).toBe(text);
    }
  });

  it('removes an OSC window-title change, with either terminator, and keeps the text around it', () => {
    expect(sanitize(`before${ESC}]0;you are pwned\x07after`)).toBe('beforeafter');
    expect(sanitize(`before${ESC}]2;title${ESC}\\after`)).toBe('beforeafter');
    expect(sanitize(`a${ESC}]8;;https://evil.example${ESC}\\click${ESC}]8;;${ESC}\\b`)).toBe('aclickb');
  });

  it('removes CSI cursor moves, screen clears and colours', () => {
    expect(sanitize(`one${ESC}[2J${ESC}[H${ESC}[10;20Htwo`)).toBe('onetwo');
    expect(sanitize(`${ESC}[31mred${ESC}[0m and ${ESC}[1;38;5;196mbold${ESC}[m`)).toBe('red and bold');
    expect(sanitize(`up${ESC}[3Aover${ESC}[?25l${ESC}[?1049h`)).toBe('upover');
  });

  it('removes 8-bit C1 introducers (CSI, OSC) and other C1 and C0 controls', () => {
    expect(sanitize('a\x9b2Jb')).toBe('ab');
    expect(sanitize('a\x9d0;title\x07b')).toBe('ab');
    expect(sanitize('bell\x07 back\b\b space\x00 nul\x85next')).toBe('bell back space nul\nnext');
    expect(sanitize('del\x7fete \x90dcs\x9c ok')).toBe('delete  ok');
  });

  it('removes DCS, APC, PM and SOS strings, single-character escapes and a dangling ESC', () => {
    expect(sanitize(`a${ESC}P1$r${ESC}\\b`)).toBe('ab');
    expect(sanitize(`a${ESC}_apc payload${ESC}\\b ${ESC}^pm${ESC}\\c ${ESC}Xsos${ESC}\\d`)).toBe('ab c d');
    expect(sanitize(`reset${ESC}c and ${ESC}7saved${ESC}8 ${ESC}(0charset`)).toBe('reset and saved charset');
    expect(sanitize(`end${ESC}`)).toBe('end');
  });

  it('an unterminated OSC swallows the rest, as a terminal would, and nothing of it is printed', () => {
    expect(sanitize(`visible${ESC}]0;never ends`)).toBe('visible');
  });

  it('removes bidi overrides, embeddings, isolates and marks (Trojan Source)', () => {
    const trojan = 'access = "user\u202e \u2066// admin\u2069 \u2066"';
    expect(sanitize(trojan)).toBe('access = "user // admin "');
    expect(sanitize('a\u202ab\u202bc\u202cd\u202de\u2067f\u2068g\u200eh\u200fi\u061cj')).toBe('abcdefghij');
  });

  it('keeps newlines, turns CR, CRLF and Unicode line separators into newlines and tabs into spaces', () => {
    expect(sanitize('one\r\ntwo\rthree\u2028four\u2029five')).toBe('one\ntwo\nthree\nfour\nfive');
    expect(sanitize('a\tb')).toBe('a    b');
  });

  it('replaces a lone surrogate, which some terminals draw as garbage', () => {
    expect(sanitize('x\ud800y')).toBe('x\ufffdy');
    expect(sanitize('😀')).toBe('😀');
  });

  it('sanitizeLine makes one line of it, for cells and the status bar', () => {
    expect(sanitizeLine(`Mallory${ESC}[31m\nRed\r\n\nTeam`)).toBe('Mallory Red Team');
    expect(sanitizeLine(undefined)).toBe('');
  });

  it('leaves no ESC and no C0/C1 control but newline in any mix of the above', () => {
    const nasty = [
      `${ESC}]0;t\x07`,
      `${ESC}[2J`,
      '\x9b31m',
      '\u202e',
      `${ESC}P`,
      'text',
      '\x00\x01\x1f',
      '\n',
      `${ESC}${ESC}[A`,
    ];
    for (let i = 0; i < 500; i++) {
      const s = Array.from({ length: 6 }, (_, j) => nasty[(i * 7 + j * 3) % nasty.length]).join('');
      const out = sanitize(s);
      expect(out).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
    }
  });
});
