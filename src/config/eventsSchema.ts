import { Type, type Static } from '@sinclair/typebox';

// Per-camera motion gate, tracker, zones, lines, rules and health checks. Every position is in
// normalised coordinates (0..1 of the source picture, x to the right, y downwards), so a change of
// stream resolution does not move a zone. Zones, lines and rules are lists with a `name` rather than
// maps keyed by name, because the loader camel-cases mapping keys and names must stay as written.

const Unit = (description: string, dflt?: number) =>
  Type.Number({ minimum: 0, maximum: 1, description, ...(dflt === undefined ? {} : { default: dflt }) });
const Point = Type.Tuple([Unit('x, 0..1 of the source width'), Unit('y, 0..1 of the source height')], {
  description: '[x, y] in normalised coordinates.',
});
const Polygon = Type.Array(Point, { minItems: 3, maxItems: 64, description: 'Polygon corners [[x, y], ...], normalised.' });
const Name = (what: string) =>
  Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,47}$', description: `${what} name: lower case letters, digits, _ and -.` });
const Seconds = (min: number, max: number, dflt: number, description: string) =>
  Type.Number({ minimum: min, maximum: max, default: dflt, description });
const Classes = Type.Array(Type.String(), {
  uniqueItems: true,
  default: [],
  description: 'Detector labels this applies to; empty means every class the camera detects.',
});

export const MotionSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: true, description: 'Skip inference on frames without motion and without moving objects.' }),
    pixelThreshold: Type.Integer({
      minimum: 1,
      maximum: 255,
      default: 20,
      description: 'Grey-level difference from the background that makes a pixel "changed"; lower is more sensitive.',
    }),
    minArea: Type.Number({
      minimum: 0,
      maximum: 1,
      default: 0.002,
      description: 'Fraction of the unmasked picture that must change for a frame to count as motion.',
    }),
    backgroundAlpha: Type.Number({
      minimum: 0.001,
      maximum: 1,
      default: 0.05,
      description: 'Weight of each new frame in the running background; higher adapts faster to light changes.',
    }),
    forceIntervalS: Seconds(0, 3600, 10, 'Run inference at least this often even without motion (0: never), to find objects that were already still.'),
    masks: Type.Array(Polygon, { default: [], description: 'Polygons ignored by the motion gate (trees, timestamp overlays).' }),
  },
  { additionalProperties: false, default: {} },
);

export const TrackerSchema = Type.Object(
  {
    highScore: Unit('Detections at or above this score are matched first and may start tracks.', 0.5),
    lowScore: Unit('Detections between this and high_score only continue existing tracks, tentative or confirmed (second round); they never start one. The camera\'s score_threshold must be as low for them to reach the tracker.', 0.1),
    matchIou: Unit(
      'Minimum IoU between a predicted track box and a high-score detection (ByteTrack uses 0.2); inside the motion model\'s 95 % gate it is lowered as the prediction grows uncertain, down to a quarter.',
      0.2,
    ),
    lowMatchIou: Unit('Minimum IoU between a predicted track box and a low-score detection; lowered inside the gate like match_iou.', 0.5),
    minHits: Type.Integer({ minimum: 1, maximum: 100, default: 3, description: 'Matched frames before a track is confirmed and may raise alerts.' }),
    maxAgeS: Seconds(0.1, 60, 2, 'A moving track not matched for this long is dropped.'),
    stationaryMaxAgeS: Seconds(0.1, 3600, 60, 'A stationary track (parked car) not matched for this long is dropped; long, so a passing bus does not make it a new object.'),
    stationaryS: Seconds(1, 3600, 10, 'An object whose centre stays put this long is marked stationary.'),
    stationaryMove: Type.Number({
      minimum: 0.01,
      maximum: 2,
      default: 0.15,
      description: 'Centre movement, as a fraction of the box size, that still counts as staying put.',
    }),
  },
  { additionalProperties: false, default: {} },
);

export const ZoneSchema = Type.Object(
  { name: Name('Zone'), polygon: Polygon },
  { additionalProperties: false },
);

export const LineSchema = Type.Object(
  {
    name: Name('Line'),
    a: Point,
    b: Point,
    direction: Type.Union([Type.Literal('left_to_right'), Type.Literal('right_to_left'), Type.Literal('both')], {
      default: 'both',
      description:
        'Allowed crossing direction, left and right as seen standing at a looking towards b. For a = [0, 0.5], b = [1, 0.5], left_to_right is top-to-bottom traffic.',
    }),
    classes: Classes,
    countIntervalS: Seconds(0, 86400, 300, 'Period of the per-class crossing count summaries (0: no counts).'),
    lanes: Type.Array(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, description: 'A cut point: fraction of the line from a.' }), {
      default: [],
      maxItems: 15,
      description:
        'Cut points along the line, as fractions of its length from a (0) to b (1), that split it into lanes counted separately: [0.33, 0.66] makes three. Empty: one lane, reported only if lane_names names it.',
    }),
    laneNames: Type.Array(Name('Lane'), {
      default: [],
      maxItems: 16,
      description: 'Names of the lanes from a towards b, one more than the cut points (default lane_1, lane_2, ...). Naming a line without cut points reports it as one lane.',
    }),
    stitchMaxGapS: Seconds(
      0,
      10,
      1.5,
      'Track stitching: when a track is lost on one side of the line and a new track of the same kind of object appears on the other side within this time, where the lost one was heading, count one crossing (0: off).',
    ),
    stitchRadius: Type.Number({
      minimum: 0.1,
      maximum: 5,
      default: 1,
      description: 'Track stitching: how far, in box heights, the new track may start from where the lost track\'s motion leads.',
    }),
  },
  { additionalProperties: false },
);

export const RuleKinds = ['zone_entry', 'loitering', 'line_crossing', 'wrong_way', 'congestion', 'crowding'] as const;
export type RuleKind = (typeof RuleKinds)[number];

export const RuleSchema = Type.Object(
  {
    name: Name('Rule'),
    kind: Type.Union(
      RuleKinds.map((k) => Type.Literal(k)),
      { description: 'zone_entry, loitering, congestion, crowding need a zone; line_crossing, wrong_way need a line.' },
    ),
    zone: Type.Optional(Type.String({ description: 'Name of a zone in zones.' })),
    line: Type.Optional(Type.String({ description: 'Name of a line in lines.' })),
    classes: Classes,
    minScore: Unit('Tracks with a lower (smoothed) score do not raise this rule.', 0.4),
    durationS: Seconds(0, 3600, 0, 'How long the condition must hold: time in the zone (zone_entry, loitering) or jam/crowd duration.'),
    clearS: Seconds(0, 3600, 30, 'congestion, crowding: how long the condition must be gone before the end alert.'),
    minCount: Type.Integer({ minimum: 1, maximum: 1000, default: 5, description: 'congestion, crowding: objects in the zone.' }),
    minOccupancy: Type.Number({
      minimum: 0,
      maximum: 1,
      default: 0,
      description: 'congestion, crowding: alternatively, fraction of the zone covered by boxes (0: use min_count only).',
    }),
    includeStationary: Type.Boolean({
      default: true,
      description: 'zone_entry, loitering, line_crossing: whether objects standing still may raise it (a parked car in a no-parking zone).',
    }),
    cooldownS: Seconds(0, 86400, 10, 'Minimum time between two alerts of this rule; alerts inside it are counted, not sent.'),
  },
  { additionalProperties: false },
);

export const HealthSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: true, description: 'Raise camera health alerts.' }),
    noFrameS: Seconds(1, 3600, 30, 'No frame for this long raises no_frames.'),
    frozenS: Seconds(1, 3600, 30, 'Near-identical grey frames for this long raise frozen.'),
    frozenMaxDiff: Type.Number({ minimum: 0, maximum: 50, default: 0.01, description: 'Mean absolute grey difference between frames that still counts as identical.' }),
    // Cameras send limited-range video, where black is 16, not 0: a covered lens reads 16 to 18.
    darkMean: Type.Number({ minimum: 0, maximum: 255, default: 20, description: 'Mean grey level below which the picture is dark (covered lens); video black is 16.' }),
    uniformStd: Type.Number({ minimum: 0, maximum: 128, default: 5, description: 'Grey standard deviation below which the picture is uniform (sprayed, facing a wall).' }),
    blurVar: Type.Number({ minimum: 0, maximum: 100000, default: 25, description: 'Laplacian variance of the grey picture below which it is blurred.' }),
    badS: Seconds(1, 3600, 10, 'How long a dark, uniform or blurred picture must last before the start alert.'),
    clearS: Seconds(1, 3600, 10, 'How long a condition must be gone before the end alert.'),
  },
  { additionalProperties: false, default: {} },
);

export const SnapshotSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: true, description: 'Keep a JPEG of the frame that raised each object alert.' }),
    maxWidth: Type.Integer({ minimum: 64, maximum: 4096, default: 640, description: 'Snapshots wider than this are downscaled.' }),
    quality: Type.Integer({ minimum: 10, maximum: 100, default: 75, description: 'JPEG quality.' }),
  },
  { additionalProperties: false, default: {} },
);

export const EventsSchema = Type.Object(
  {
    motion: MotionSchema,
    tracker: TrackerSchema,
    zones: Type.Array(ZoneSchema, { default: [], description: 'Named polygons used by rules.' }),
    lines: Type.Array(LineSchema, { default: [], description: 'Named counting lines, with an allowed direction.' }),
    rules: Type.Array(RuleSchema, { default: [], description: 'What raises alerts on this camera.' }),
    health: HealthSchema,
    snapshots: SnapshotSchema,
  },
  { additionalProperties: false, default: {} },
);

export type EventsConfig = Static<typeof EventsSchema>;
export type MotionConfig = Static<typeof MotionSchema>;
export type TrackerConfig = Static<typeof TrackerSchema>;
export type ZoneConfig = Static<typeof ZoneSchema>;
export type LineConfig = Static<typeof LineSchema>;
export type RuleConfig = Static<typeof RuleSchema>;
export type HealthConfig = Static<typeof HealthSchema>;
export type SnapshotConfig = Static<typeof SnapshotSchema>;

const ZONE_KINDS: readonly RuleKind[] = ['zone_entry', 'loitering', 'congestion', 'crowding'];

/**
 * Cross-references and relations the schema cannot express, as `path: message` strings (snake_case
 * keys as the operator wrote them). `path` is where this block sits, e.g. "cameras[0].events".
 */
export function checkEvents(cfg: EventsConfig, path: string): string[] {
  const out: string[] = [];
  const zones = uniqueNames(cfg.zones, `${path}.zones`, out);
  const lines = uniqueNames(cfg.lines, `${path}.lines`, out);
  uniqueNames(cfg.rules, `${path}.rules`, out);
  cfg.lines.forEach((l, i) => {
    if (l.a[0] === l.b[0] && l.a[1] === l.b[1]) out.push(`${path}.lines[${i}]: a and b are the same point`);
    checkLanes(l, `${path}.lines[${i}]`, out);
  });
  cfg.rules.forEach((r, i) => {
    const at = `${path}.rules[${i}]`;
    const needsZone = ZONE_KINDS.includes(r.kind);
    const [need, other, known, kindName] = needsZone ? (['zone', 'line', zones, 'zones'] as const) : (['line', 'zone', lines, 'lines'] as const);
    const ref = r[need];
    if (ref === undefined) out.push(`${at}.${need}: a ${r.kind} rule needs a ${need}`);
    else if (!known.has(ref)) out.push(`${at}.${need}: unknown ${need} "${ref}"; known ${kindName}: ${[...known].join(', ') || '(none)'}`);
    if (r[other] !== undefined) out.push(`${at}.${other}: a ${r.kind} rule does not use a ${other}`);
    if (r.kind === 'wrong_way' && ref !== undefined && cfg.lines.find((l) => l.name === ref)?.direction === 'both') {
      out.push(`${at}.line: line "${ref}" allows both directions, so nothing can be wrong_way; set its direction`);
    }
  });
  if (cfg.tracker.lowScore > cfg.tracker.highScore) out.push(`${path}.tracker.low_score: must not exceed high_score`);
  return out;
}

function checkLanes(l: LineConfig, at: string, out: string[]): void {
  if (l.lanes.some((c, j) => j > 0 && c <= l.lanes[j - 1]!)) out.push(`${at}.lanes: cut points must increase from a to b`);
  if (l.laneNames.length > 0 && l.laneNames.length !== l.lanes.length + 1) {
    out.push(`${at}.lane_names: ${l.lanes.length} cut points make ${l.lanes.length + 1} lanes, but ${l.laneNames.length} names are given`);
  }
  if (new Set(l.laneNames).size !== l.laneNames.length) out.push(`${at}.lane_names: a lane name is used twice`);
}

function uniqueNames(items: readonly { name: string }[], at: string, out: string[]): Set<string> {
  const seen = new Set<string>();
  items.forEach((it, i) => {
    if (seen.has(it.name)) out.push(`${at}[${i}].name: "${it.name}" is used twice`);
    seen.add(it.name);
  });
  return seen;
}
