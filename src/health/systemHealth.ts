import si from 'systeminformation';

// Gateway-level measures for the health message. Each probe may fail on some boards (no thermal
// zone in a VM, no fs entry for an overlay root): a failed probe leaves its field out rather than
// failing the whole message.

export interface SystemHealth {
  /** CPU load over the last sampling interval, percent 0..100. */
  cpu_pct?: number;
  /** Used memory (without caches), percent. */
  mem_pct?: number;
  /** Use of the file system holding `diskPath`, percent. */
  disk_pct?: number;
  /** Free bytes on that file system. */
  disk_free_b?: number;
  /** Hottest CPU sensor, °C, when the board has one. */
  temp_c?: number;
  /** Seconds since the system booted. */
  uptime_s?: number;
}

const round1 = (v: number) => Math.round(v * 10) / 10;

/** Samples the system; never throws. */
export async function sampleSystem(diskPath: string): Promise<SystemHealth> {
  const [load, mem, fs, temp] = await Promise.allSettled([si.currentLoad(), si.mem(), si.fsSize(), si.cpuTemperature()]);
  const out: SystemHealth = { uptime_s: Math.round(si.time().uptime) };
  if (load.status === 'fulfilled') out.cpu_pct = round1(load.value.currentLoad);
  if (mem.status === 'fulfilled' && mem.value.total > 0) out.mem_pct = round1((mem.value.active / mem.value.total) * 100);
  if (fs.status === 'fulfilled') {
    const disk = pickMount(fs.value, diskPath);
    if (disk) {
      out.disk_pct = round1(disk.use);
      out.disk_free_b = disk.available;
    }
  }
  if (temp.status === 'fulfilled' && typeof temp.value.main === 'number' && temp.value.main > 0) out.temp_c = round1(temp.value.main);
  return out;
}

/** The mount with the longest prefix of `path`. */
function pickMount<T extends { mount: string }>(mounts: T[], path: string): T | undefined {
  return mounts
    .filter((m) => path === m.mount || path.startsWith(m.mount.endsWith('/') ? m.mount : `${m.mount}/`))
    .sort((a, b) => b.mount.length - a.mount.length)[0];
}
