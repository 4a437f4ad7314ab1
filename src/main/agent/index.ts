// Public surface of the node agent. tag-recorder (EC2 SDK) is exported separately so that importing
// parseAgentTags on the cockpit side does not load the SDK.
export { runAgent, AGENT_DEFAULTS, AGENT_CONFIG_FILES } from './agent'
export type { AgentOptions, AgentDeps, AgentHandle, AgentState } from './agent'
export { buildAgentTags, parseAgentTags, AGENT_TAG_PREFIX, TAG_VALUE_MAX } from './tags'
export type { AgentEventReport, AgentCheckpointReport, AgentTagRecord, TagRecorder } from './tags'
export { createCockpitClient, DEFAULT_RETRY } from './cockpit'
export type { CockpitClient, Delivery, RetryPolicy } from './cockpit'
export { formatLogLine, lineLog } from '../logging/log'
export type { Log, LogFields } from '../logging/log'
