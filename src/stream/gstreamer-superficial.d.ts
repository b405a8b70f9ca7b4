// Types for the parts of gstreamer-superficial this project uses (the package ships none).
declare module 'gstreamer-superficial' {
  export class Pipeline {
    constructor(launch: string);
    play(): void;
    pause(): void;
    stop(): void;
    sendEOS(): void;
    findChild(name: string): Record<string, unknown> | undefined;
    pollBus(cb: (msg: Record<string, unknown>) => void): void;
    queryPosition(): number;
    queryDuration(): number;
  }
}
