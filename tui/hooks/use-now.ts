import { useEffect, useState } from 'react';

/** The time, refreshed every `everyMs` so that countdowns and waiting times move. */
export function useNow(clock: () => Date, everyMs = 1000): Date {
  const [now, setNow] = useState(clock);
  useEffect(() => {
    const t = setInterval(() => setNow(clock()), everyMs);
    return () => clearInterval(t);
  }, [clock, everyMs]);
  return now;
}
