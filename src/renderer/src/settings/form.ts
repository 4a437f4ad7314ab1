// The Settings form's model: the Settings object as the inputs edit it (lists as comma-separated text,
// numbers as whatever the number inputs hold), and the way back to a Settings candidate that
// settingsSchema validates. Issues map to form fields by their path (aws.regions.0 -> aws.regions).
import { settingsSchema, type Settings } from '@shared/api'

export type NumberText = number | string

export interface SettingsForm {
  mode: Settings['mode']
  aws: Omit<Settings['aws'], 'regions' | 'securityGroupIds'> & {
    regions: string
    securityGroupIds: string
  }
  fleet: Settings['fleet']
  sandbox: { speed: NumberText; tracePath: string }
  pollIntervalSeconds: NumberText
  drainMarginSeconds: NumberText
  budgetPerHour: NumberText
}

/** Every field of the form, by its settings path, with the label the summary names it by. */
export const FIELD_LABELS = {
  mode: 'Mode',
  'aws.profile': 'AWS profile',
  'aws.regions': 'Regions',
  'aws.fleetTag': 'Fleet tag',
  'aws.sqsQueueUrl': 'SQS queue URL',
  'aws.imageId': 'AMI id',
  'aws.securityGroupIds': 'Security group ids',
  'aws.keyName': 'Key pair name',
  'aws.instanceProfileName': 'Instance profile name',
  'fleet.instanceType': 'Instance type',
  'fleet.model': 'Model',
  'fleet.cockpitUrl': 'Cockpit URL',
  'sandbox.speed': 'Speed',
  'sandbox.tracePath': 'Trace path',
  pollIntervalSeconds: 'Poll interval (s)',
  drainMarginSeconds: 'Drain margin (s)',
  budgetPerHour: 'Budget cap ($/h)'
} as const
export type FieldName = keyof typeof FIELD_LABELS
export const FIELD_NAMES = Object.keys(FIELD_LABELS) as FieldName[]

/** "a, b ,, c" -> ["a", "b", "c"] */
export function splitList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
}

/** A number input's value as a number; NaN when empty or not a number (the schema then says so). */
export function toNumber(value: NumberText): number {
  if (typeof value === 'number') return value
  const text = value.trim()
  return text === '' ? Number.NaN : Number(text)
}

export function toForm(settings: Settings): SettingsForm {
  return {
    mode: settings.mode,
    aws: {
      ...settings.aws,
      regions: settings.aws.regions.join(', '),
      securityGroupIds: settings.aws.securityGroupIds.join(', ')
    },
    fleet: { ...settings.fleet },
    sandbox: { ...settings.sandbox },
    pollIntervalSeconds: settings.pollIntervalSeconds,
    drainMarginSeconds: settings.drainMarginSeconds,
    budgetPerHour: settings.budgetPerHour
  }
}

/** The Settings object the form describes (not yet validated). */
export function fromForm(form: SettingsForm): Settings {
  return {
    mode: form.mode,
    aws: {
      profile: form.aws.profile.trim(),
      regions: splitList(form.aws.regions),
      fleetTag: form.aws.fleetTag.trim(),
      sqsQueueUrl: form.aws.sqsQueueUrl.trim(),
      imageId: form.aws.imageId.trim(),
      securityGroupIds: splitList(form.aws.securityGroupIds),
      keyName: form.aws.keyName.trim(),
      instanceProfileName: form.aws.instanceProfileName.trim()
    },
    fleet: {
      instanceType: form.fleet.instanceType.trim(),
      model: form.fleet.model.trim(),
      cockpitUrl: form.fleet.cockpitUrl.trim()
    },
    sandbox: { speed: toNumber(form.sandbox.speed), tracePath: form.sandbox.tracePath.trim() },
    pollIntervalSeconds: toNumber(form.pollIntervalSeconds),
    drainMarginSeconds: toNumber(form.drainMarginSeconds),
    budgetPerHour: toNumber(form.budgetPerHour)
  }
}

/** The form field an issue path belongs to: the longest field name that prefixes it ('' for none). */
export function fieldOfPath(path: readonly PropertyKey[]): FieldName | '' {
  const parts = path.map(String)
  for (let n = parts.length; n > 0; n--) {
    const name = parts.slice(0, n).join('.')
    if (name in FIELD_LABELS) return name as FieldName
  }
  return ''
}

export interface FormIssue {
  field: FieldName | ''
  label: string
  message: string
}

export interface FormValidation {
  ok: boolean
  /** the validated settings when ok */
  settings: Settings | null
  /** messages per field ('' collects issues that name no field) */
  errors: Partial<Record<FieldName | '', string[]>>
  issues: FormIssue[]
}

/** Validates the form with settingsSchema; each issue lands on its field. */
export function validateForm(form: SettingsForm): FormValidation {
  const parsed = settingsSchema.safeParse(fromForm(form))
  if (parsed.success) return { ok: true, settings: parsed.data, errors: {}, issues: [] }
  const errors: FormValidation['errors'] = {}
  const issues: FormIssue[] = []
  for (const issue of parsed.error.issues) {
    const field = fieldOfPath(issue.path)
    const message = issue.message
    const list = (errors[field] ??= [])
    if (!list.includes(message)) list.push(message)
    issues.push({ field, label: field ? FIELD_LABELS[field] : 'Settings', message })
  }
  return { ok: false, settings: null, errors, issues }
}

/** Reads a form value by its settings path ("aws.regions"). */
export function getAt(form: SettingsForm, name: FieldName): unknown {
  let node: unknown = form
  for (const part of name.split('.')) node = (node as Record<string, unknown> | undefined)?.[part]
  return node
}

/** Writes a form value by its settings path. */
export function setAt(form: SettingsForm, name: FieldName, value: unknown): void {
  const parts = name.split('.')
  let node = form as unknown as Record<string, unknown>
  for (const part of parts.slice(0, -1)) node = node[part] as Record<string, unknown>
  node[parts[parts.length - 1]] = value
}

/** The input's id for a field ("settings-aws-regions"). */
export function fieldId(name: FieldName): string {
  return `settings-${name.replace(/\./g, '-')}`
}

export interface FieldSpec {
  name: FieldName
  type: 'text' | 'number' | 'url'
  hint?: string
  placeholder?: string
  min?: number
  max?: number
  step?: number | 'any'
  optional?: boolean
}

/** The text and number inputs, by section (mode has its own control). */
export const SECTIONS: readonly {
  id: string
  title: string
  intro?: string
  fields: readonly FieldSpec[]
}[] = [
  {
    id: 'aws',
    title: 'AWS',
    intro: 'Used in AWS mode: where the fleet runs and how instances are launched.',
    fields: [
      {
        name: 'aws.profile',
        type: 'text',
        hint: 'Named profile from ~/.aws; empty uses the default credential chain.',
        placeholder: 'default'
      },
      {
        name: 'aws.regions',
        type: 'text',
        hint: 'Comma-separated, e.g. us-east-1, us-west-2.',
        placeholder: 'us-east-1'
      },
      {
        name: 'aws.fleetTag',
        type: 'text',
        hint: 'Instances carrying this tag belong to this fleet.'
      },
      {
        name: 'aws.sqsQueueUrl',
        type: 'url',
        optional: true,
        hint: 'EventBridge interruption events queue (optional).',
        placeholder: 'https://sqs.us-east-1.amazonaws.com/123456789012/synkti'
      },
      {
        name: 'aws.imageId',
        type: 'text',
        hint: 'AMI that launched instances boot, e.g. a Deep Learning AMI.',
        placeholder: 'ami-0123456789abcdef0'
      },
      {
        name: 'aws.securityGroupIds',
        type: 'text',
        hint: 'Comma-separated.',
        placeholder: 'sg-0123456789abcdef0'
      },
      { name: 'aws.keyName', type: 'text', hint: 'EC2 key pair for SSH (optional).' },
      {
        name: 'aws.instanceProfileName',
        type: 'text',
        hint: 'IAM instance profile for launched instances (optional).'
      }
    ]
  },
  {
    id: 'fleet',
    title: 'Fleet',
    intro: 'What launches, replacements and the standby pool use.',
    fields: [
      { name: 'fleet.instanceType', type: 'text', placeholder: 'g5.xlarge' },
      { name: 'fleet.model', type: 'text', hint: 'Model the instances serve.' },
      {
        name: 'fleet.cockpitUrl',
        type: 'url',
        optional: true,
        hint: 'Where node agents report; empty: agents record events as instance tags.',
        placeholder: 'http://cockpit.internal:7420'
      }
    ]
  },
  {
    id: 'sandbox',
    title: 'Sandbox',
    intro: 'Used in sandbox mode: a simulated market and fleet.',
    fields: [
      {
        name: 'sandbox.speed',
        type: 'number',
        min: 1,
        max: 3600,
        step: 'any',
        hint: 'Simulated seconds per real second (1-3600).'
      },
      {
        name: 'sandbox.tracePath',
        type: 'text',
        optional: true,
        hint: 'Spot price trace to replay (optional); empty: synthetic market.'
      }
    ]
  },
  {
    id: 'engine',
    title: 'Engine',
    fields: [
      {
        name: 'pollIntervalSeconds',
        type: 'number',
        min: 1,
        max: 300,
        step: 'any',
        hint: 'Seconds between market and fleet polls (1-300).'
      },
      {
        name: 'drainMarginSeconds',
        type: 'number',
        min: 0,
        max: 60,
        step: 'any',
        hint: 'Seconds kept in reserve before the reclaim deadline (0-60).'
      },
      {
        name: 'budgetPerHour',
        type: 'number',
        min: 0,
        step: 'any',
        hint: '$/h the fleet may spend; 0 = no cap.'
      }
    ]
  }
]
