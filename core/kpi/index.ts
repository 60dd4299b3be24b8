export { allEvents, computeKpis, FULLY_RESOLVED_MS, type KpiOptions, type KpiReport, type Kpis } from './kpis.js';
export { type HourlyVolume, hourlyVolume } from './volume.js';
export { detectVolumeSpikes, findSpikes, type SpikeDeps, type VolumeSpike } from './volume-spike.js';
