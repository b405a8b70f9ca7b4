import { attr, child, children, text } from './xml.js';

// Reading ONVIF event notifications (PullMessagesResponse). Firmwares name the same thing
// differently: motion is VideoSource/MotionAlarm (State) or RuleEngine/CellMotionDetector/Motion
// (IsMotion); tamper is RuleEngine/TamperDetector/Tamper (IsTamper) or VideoSource/GlobalSceneChange
// and the image-too-dark/blurry family (State). Topics are matched by their last levels.

export type CameraEventKind = 'tamper' | 'motion';

/** A state change the camera reported; `ts` is the camera's UtcTime (epoch ms) or arrival time. */
export interface CameraEvent {
  cameraId: string;
  kind: CameraEventKind;
  state: boolean;
  ts: number;
  /** The camera's topic, e.g. tns1:RuleEngine/CellMotionDetector/Motion. */
  topic: string;
}

const RULES: { kind: CameraEventKind; topic: RegExp }[] = [
  { kind: 'motion', topic: /(MotionAlarm|CellMotionDetector\/Motion|MotionRegionDetector\/Motion|VideoMotionDetection)$/i },
  { kind: 'tamper', topic: /(TamperDetector\/Tamper|GlobalSceneChange(\/\w+)?|ImageTooBlurry(\/\w+)?|ImageTooDark(\/\w+)?|ImageTooBright(\/\w+)?|SignalLoss)$/i },
];

/** Tamper and motion events in a PullMessagesResponse element; other topics are ignored. */
export function readCameraEvents(response: unknown, cameraId: string, nowMs = Date.now()): CameraEvent[] {
  const out: CameraEvent[] = [];
  for (const n of children(response, 'NotificationMessage')) {
    const topic = text(n, 'Topic') ?? '';
    const rule = RULES.find((r) => r.topic.test(topic.replace(/^\w+:/, '')));
    if (!rule) continue;
    const message = child(n, 'Message', 'Message');
    const state = booleanItem(child(message, 'Data'));
    if (state === undefined) continue;
    const utc = Date.parse(attr(message, 'UtcTime') ?? '');
    out.push({ cameraId, kind: rule.kind, state, ts: Number.isFinite(utc) ? utc : nowMs, topic });
  }
  return out;
}

/** The first SimpleItem whose value is a boolean (State, IsMotion, IsTamper...). */
function booleanItem(data: unknown): boolean | undefined {
  for (const item of children(data, 'SimpleItem')) {
    const v = attr(item, 'Value')?.toLowerCase();
    if (v === 'true' || v === 'false') return v === 'true';
  }
  return undefined;
}
