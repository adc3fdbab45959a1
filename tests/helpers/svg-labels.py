#!/usr/bin/env python3
"""svg-labels.py SVG PROFILE.json FONT.ttf [N]: check the names on the
initcall bars of `gdbstub-client report --format=svg` with the real advance
widths of the font the picture is drawn in (read from the TTF file, not
from the client's own estimate):

  - each of the N slowest initcalls (default 10) is named;
  - a bar wide enough for its name (with a margin for the estimate) holds it;
  - a name inside a bar fits that bar;
  - no two names on one line overlap, and a name beside its bar covers no
    other bar of its lane;
  - a name on a row under its lane has a leader line from its bar;
  - no other initcall is named outside its bar.
Prints what it found, one line per failure, and exits 1 on any.
"""
import struct
import sys
import xml.etree.ElementTree as ET

NS = '{http://www.w3.org/2000/svg}'
FONT_PX = 10.0


def advances(path):
    """Character -> advance width in em, from the TTF's cmap (format 4,
    Windows Unicode BMP) and hmtx tables."""
    b = open(path, 'rb').read()
    tables = {}
    for i in range(struct.unpack_from('>H', b, 4)[0]):
        tag, _, off, _ = struct.unpack_from('>4sIII', b, 12 + 16 * i)
        tables[tag.decode('latin-1')] = off
    upem = struct.unpack_from('>H', b, tables['head'] + 18)[0]
    nhm = struct.unpack_from('>H', b, tables['hhea'] + 34)[0]
    c = tables['cmap']
    out = {}
    for i in range(struct.unpack_from('>H', b, c + 2)[0]):
        pid, eid, off = struct.unpack_from('>HHI', b, c + 4 + 8 * i)
        if (pid, eid) != (3, 1):
            continue
        s = c + off
        if struct.unpack_from('>H', b, s)[0] != 4:
            continue
        seg2 = struct.unpack_from('>H', b, s + 6)[0]
        n = seg2 // 2
        ends = struct.unpack_from('>%dH' % n, b, s + 14)
        starts = struct.unpack_from('>%dH' % n, b, s + 16 + seg2)
        deltas = struct.unpack_from('>%dh' % n, b, s + 16 + 2 * seg2)
        ro = s + 16 + 3 * seg2
        ros = struct.unpack_from('>%dH' % n, b, ro)
        for k in range(n):
            for ch in range(starts[k], min(ends[k], 0x2fff) + 1):
                if ros[k] == 0:
                    g = (ch + deltas[k]) & 0xffff
                else:
                    g = struct.unpack_from('>H', b, ro + 2 * k + ros[k] + 2 * (ch - starts[k]))[0]
                    g = (g + deltas[k]) & 0xffff if g else 0
                gi = min(g, nhm - 1)
                out[chr(ch)] = struct.unpack_from('>H', b, tables['hmtx'] + 4 * gi)[0] / upem
    if not out:
        sys.exit('svg-labels: no Unicode cmap in %s' % path)
    return out


def main():
    svg, prof, font = sys.argv[1:4]
    nslow = int(sys.argv[4]) if len(sys.argv) > 4 else 10
    adv = advances(font)

    def width(s):
        return sum(adv.get(ch, 1.0) for ch in s) * FONT_PX

    import json
    p = json.load(open(prof))
    slow = sorted(range(len(p['initcalls'])),
                  key=lambda i: (-p['initcalls'][i]['duration_ns'], i))[:nslow]
    slow_fns = {p['initcalls'][i]['fn'] for i in slow}

    root = ET.parse(svg).getroot()
    # bars of the initcall lanes: rects whose title names one initcall
    bars = []
    fns = {ic['fn'] for ic in p['initcalls']}
    for r in root.iter(NS + 'rect'):
        t = r.find(NS + 'title')
        if t is None or t.text is None or r.get('class') == 'failed-tick':
            continue
        name = t.text.split(' ', 1)[0]
        merged = r.get('class') == 'merged'
        if name not in fns and not merged:
            continue
        bars.append({'fn': None if merged else name, 'x': float(r.get('x')),
                     'w': float(r.get('width')), 'y': float(r.get('y')),
                     'h': float(r.get('height'))})
    labels = []
    for t in root.iter(NS + 'text'):
        if t.get('class') == 'ic-label':
            labels.append({'fn': t.get('data-fn'), 'place': t.get('data-place'),
                           'x': float(t.get('x')), 'y': float(t.get('y')),
                           'w': width(t.text or '')})
    leaders = [(float(l.get('x1')), float(l.get('y1')), float(l.get('y2')))
               for l in root.iter(NS + 'line') if l.get('class') == 'leader']

    bad = []
    named = {l['fn'] for l in labels}
    for fn in sorted(slow_fns - named):
        bad.append('slowest initcall %s has no name on the picture' % fn)

    def lane_of(label):
        # the bar row whose text baseline is the label's (y + LANE_H - 5)
        return [b for b in bars if abs(b['y'] + 16 - 5 - label['y']) < 0.6]

    for b in bars:
        if b['fn'] and b['w'] >= 1.3 * width(b['fn']) + 4 and b['fn'] not in named:
            bad.append('%s: bar %.1f px wide, name %.1f px, not named' %
                       (b['fn'], b['w'], width(b['fn'])))
    for l in labels:
        x0, x1 = l['x'], l['x'] + l['w']
        own = [b for b in lane_of(l) if b['fn'] == l['fn']]
        if l['place'] == 'in':
            if not own or not (own[0]['x'] <= x0 and x1 <= own[0]['x'] + own[0]['w'] + 0.5):
                bad.append('%s: name inside its bar but %.1f..%.1f is not inside it' %
                           (l['fn'], x0, x1))
        elif l['fn'] not in slow_fns:
            bad.append('%s: named outside its bar but not one of the %d slowest' %
                       (l['fn'], nslow))
        if l['place'] == 'out':
            for b in lane_of(l):
                if b['fn'] != l['fn'] and x0 < b['x'] + b['w'] and b['x'] < x1:
                    bad.append('%s: its name (%.1f..%.1f) covers the bar at %.1f (%s)' %
                               (l['fn'], x0, x1, b['x'], b['fn'] or 'merged'))
        if l['place'] == 'row':
            # the leader is at the name's left end, or at its right end
            # as the client estimates it (at most a third over the font's)
            if not any(x0 - 3 <= lx <= x0 + 1.35 * l['w'] + 3
                       for lx, _, y2 in leaders if abs(y2 - (l['y'] - 4)) < 1):
                bad.append('%s: on a row under its lane without a leader line' % l['fn'])
    for i, a in enumerate(labels):
        for c in labels[i + 1:]:
            if abs(a['y'] - c['y']) < 0.6 and a['x'] < c['x'] + c['w'] and c['x'] < a['x'] + a['w']:
                bad.append('names overlap: %s (%.1f..%.1f) and %s (%.1f..%.1f)' %
                           (a['fn'], a['x'], a['x'] + a['w'], c['fn'], c['x'], c['x'] + c['w']))
    places = {}
    for l in labels:
        places[l['place']] = places.get(l['place'], 0) + 1
    print('# %s: %d names (%s), %d bars, %d leader lines' %
          (svg, len(labels), ', '.join('%s %d' % kv for kv in sorted(places.items())),
           len(bars), len(leaders)))
    for b in bad:
        print('# ' + b)
    sys.exit(1 if bad else 0)


main()
