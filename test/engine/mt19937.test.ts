import { describe, expect, it } from 'vitest';
import { MT19937 } from '../../electron/engine/data/mt19937.js';

/**
 * Expected values were produced by CPython 3.11's `random` module, e.g.
 *   r = random.Random(seed); [r.getrandbits(32) for _ in range(5)]; [r.random() for _ in range(4)];
 *   [r.getrandbits(k) for k in (1, 7, 31, 33, 53, 64, 100)]; [r._randbelow(n) for n in (...)]
 * drawn in that order from one generator, and `random.Random(seed).shuffle(list(range(20)))` separately.
 */
interface Reference {
  seed: number | bigint;
  bits32: number[];
  random: number[];
  bits: [number, bigint][];
  below: [number, number][];
  shuffle20: number[];
}

const REFERENCE: Reference[] = [
  {
    seed: 0,
    bits32: [3626764237, 1654615998, 3255389356, 3823568514, 1806341205],
    random: [0.04048437818077755, 0.9654648863619172, 0.48592769656281265, 0.9182343317851318],
    bits: [[1, 1n], [7, 38n], [31, 2078334659n], [33, 2046968324n], [53, 8031363715860095n], [64, 4029557120079369747n], [100, 180785819837864295524056901750n]],
    below: [[1, 0], [2, 1], [3, 2], [10, 9], [27, 4], [1000, 317], [2147483648, 424185324], [4294967301, 3134603515], [1000000000000000, 957549639255068]],
    shuffle20: [10, 18, 16, 14, 0, 17, 11, 2, 3, 9, 5, 7, 4, 19, 6, 15, 8, 1, 13, 12],
  },
  {
    seed: 42,
    bits32: [2746317213, 478163327, 107420369, 3184935163, 1181241943],
    random: [0.24489185380347622, 0.1395379285251439, 0.1024951761715075, 0.7406677446676758],
    bits: [[1, 1n], [7, 11n], [31, 1268073012n], [33, 1812140441n], [53, 843931136871022n], [64, 4291835990902352011n], [100, 635927696262994258559921747665n]],
    below: [[1, 0], [2, 1], [3, 0], [10, 7], [27, 18], [1000, 284], [2147483648, 27911967], [4294967301, 1815115025], [1000000000000000, 175055470498697]],
    shuffle20: [19, 5, 14, 4, 9, 13, 15, 18, 6, 12, 17, 10, 1, 11, 2, 16, 7, 8, 0, 3],
  },
  {
    seed: 1099511627776,
    bits32: [445128065, 1517081360, 2880015531, 282029048, 1832466665],
    random: [0.04858222892679842, 0.3991435663885342, 0.5604466727218593, 0.7159331789370178],
    bits: [[1, 0n], [7, 88n], [31, 1180437593n], [33, 1373156831n], [53, 6514841552452527n], [64, 797842660906383513n], [100, 434897526876576057808488035145n]],
    below: [[1, 0], [2, 0], [3, 1], [10, 3], [27, 1], [1000, 600], [2147483648, 1711252206], [4294967301, 1790497972], [1000000000000000, 222945411137311]],
    shuffle20: [9, 4, 12, 0, 17, 7, 19, 5, 18, 16, 15, 8, 10, 14, 6, 1, 13, 2, 11, 3],
  },
  {
    seed: 1,
    bits32: [577090037, 2444712010, 3639700191, 3445702192, 3280387012],
    random: [0.06310682188770933, 0.11791870367106105, 0.7609624449125756, 0.47224524357611664],
    bits: [[1, 0n], [7, 100n], [31, 450874518n], [33, 403123852n], [53, 8046282048391080n], [64, 7190703300742001586n], [100, 1011132000076125738025909604998n]],
    below: [[1, 0], [2, 1], [3, 1], [10, 3], [27, 18], [1000, 967], [2147483648, 439062303], [4294967301, 3871601465], [1000000000000000, 25129985031900]],
    shuffle20: [11, 5, 17, 19, 9, 0, 16, 1, 15, 6, 10, 13, 14, 12, 7, 3, 8, 2, 18, 4],
  },
  {
    seed: 12345678901234567890n,
    bits32: [2199100970, 3695432519, 4002396509, 2348474455, 2758709522],
    random: [0.44754458853783907, 0.32665626968465467, 0.5258026810697912, 0.5714061072234214],
    bits: [[1, 0n], [7, 16n], [31, 159815542n], [33, 5048889913n], [53, 6692310928897459n], [64, 8670022844827400999n], [100, 449616563019071020534105164930n]],
    below: [[1, 0], [2, 0], [3, 0], [10, 9], [27, 25], [1000, 415], [2147483648, 1024826338], [4294967301, 4196790699], [1000000000000000, 280438199201562]],
    shuffle20: [15, 18, 19, 6, 13, 0, 4, 12, 1, 2, 5, 7, 9, 3, 8, 11, 10, 14, 17, 16],
  },
  {
    seed: -5,
    bits32: [2675342405, 1097127993, 3185950873, 1539898300, 3415330359],
    random: [0.6904468457583358, 0.8415109644822669, 0.6520316967541351, 0.5300398545638115],
    bits: [[1, 1n], [7, 59n], [31, 1666358331n], [33, 4051686260n], [53, 467054710960725n], [64, 2893396244277848635n], [100, 1067129590964645032192701567222n]],
    below: [[1, 0], [2, 1], [3, 2], [10, 1], [27, 18], [1000, 255], [2147483648, 56325017], [4294967301, 3140410144], [1000000000000000, 314668236969580]],
    shuffle20: [4, 9, 6, 5, 14, 17, 18, 1, 2, 15, 10, 3, 12, 7, 13, 0, 16, 11, 8, 19],
  },
];

describe('MT19937 matches CPython random', () => {
  for (const ref of REFERENCE) {
    it(`seed ${ref.seed}: getrandbits, random, _randbelow in one stream`, () => {
      const r = new MT19937(ref.seed);
      expect(ref.bits32.map(() => r.getrandbits(32))).toEqual(ref.bits32);
      expect(ref.random.map(() => r.random())).toEqual(ref.random);
      for (const [k, value] of ref.bits) {
        const got = k <= 53 ? BigInt(r.getrandbits(k)) : r.getrandbitsBig(k);
        expect(got, `getrandbits(${k})`).toBe(value);
      }
      for (const [n, value] of ref.below) expect(r.randbelow(n), `_randbelow(${n})`).toBe(value);
    });

    it(`seed ${ref.seed}: shuffle(range(20))`, () => {
      const xs = Array.from({ length: 20 }, (_, i) => i);
      new MT19937(ref.seed).shuffle(xs);
      expect(xs).toEqual(ref.shuffle20);
    });
  }

  it('stays identical across the 624-word state regeneration', () => {
    const r = new MT19937(42);
    const v = Array.from({ length: 1300 }, () => r.genrandUint32());
    expect([v[623], v[624], v[1299]]).toEqual([2929454134, 1071722055, 1463320861]);
  });

  it('shuffles a long list like CPython (seed 42, range(1000))', () => {
    const xs = Array.from({ length: 1000 }, (_, i) => i);
    new MT19937(42).shuffle(xs);
    expect(xs.slice(0, 10)).toEqual([776, 507, 895, 922, 33, 483, 85, 750, 354, 523]);
    expect(xs.slice(-10)).toEqual([104, 754, 142, 228, 250, 281, 759, 25, 114, 654]);
    expect([...xs].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it('_randbelow near 2^53 uses the right bit length', () => {
    const r = new MT19937(7);
    expect([r.randbelow(2 ** 53), r.randbelow(2 ** 53), r.randbelow(2 ** 53)]).toEqual([
      7112505144773943, 869849637299280, 1695698339729451,
    ]);
    expect([r.randbelow(2 ** 53 - 1), r.randbelow(2 ** 53 - 1)]).toEqual([5249289124956664, 8193883021837429]);
    expect(r.getrandbits(0)).toBe(0);
  });

  it('reseeding restarts the stream; number and bigint seeds agree', () => {
    const r = new MT19937(42);
    r.getrandbits(32);
    r.seed(42n);
    expect(r.getrandbits(32)).toBe(2746317213);
  });

  it('rejects arguments CPython would not accept as an integer seed or bit count', () => {
    expect(() => new MT19937(1.5)).toThrow(RangeError);
    const r = new MT19937(0);
    expect(() => r.getrandbits(54)).toThrow(RangeError);
    expect(() => r.getrandbits(-1)).toThrow(RangeError);
    expect(() => r.randbelow(0)).toThrow(RangeError);
  });
});
