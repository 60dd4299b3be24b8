export {
  type CommitNews,
  type Coordination,
  type CoordinationEvents,
  SoloCoordination,
} from './coordination.js';
export { EventFollower, type EventFollowerOptions } from './event-follower.js';
export { type LiveHandler, LiveSignals } from './live-signals.js';
