/** A timed wait another event may end early: `wake()` resolves `done` at once (later calls do nothing). */
export interface WakeableSleep {
  readonly done: Promise<void>;
  wake(): void;
}

export function wakeableSleep(ms: number): WakeableSleep {
  let wake: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    wake = () => {
      clearTimeout(t);
      resolve();
    };
  });
  return { done, wake };
}
