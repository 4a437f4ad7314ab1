// A deadline policy that changes its mind at every decision and asks to be woken at once: the worst
// case the engine's minimum switch interval has to contain (a changeover of 0 makes it free to try).
import type { DeadlineChoice, Policy } from '../../src/main/policies'

export function flappingPolicy(): Policy & { choices: DeadlineChoice[] } {
  const choices: DeadlineChoice[] = []
  return {
    name: 'greedy',
    choices,
    chooseMarket: () => 'spot',
    decideDeadline: (view) => {
      const choice: DeadlineChoice = view.current === 'ondemand' ? 'idle' : 'ondemand'
      choices.push(choice)
      return choice
    },
    deadlineWakeups: (view) => [view.now]
  }
}
