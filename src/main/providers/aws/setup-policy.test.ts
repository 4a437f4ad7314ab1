import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { FLEET_IAM_POLICY } from './iam-policy'
import { operatorIamPolicy, policyAllowsAction } from './setup-policy'

describe('the operator policy', () => {
  it('is the README’s, exactly', () => {
    const readme = readFileSync(join(__dirname, '../../../../README.md'), 'utf8')
    const section = readme.slice(readme.indexOf('#### The IAM policy your identity needs'))
    const block = /```json\n([\s\S]*?)\n```/.exec(section)![1]
    expect(JSON.parse(block)).toEqual(operatorIamPolicy())
  })

  it('holds the fleet policy whole, scoped to the fleet tag given', () => {
    const p = operatorIamPolicy({ fleetTag: 'lab' })
    expect(p.Statement.slice(0, FLEET_IAM_POLICY.Statement.length).map((s) => s.Sid)).toEqual(
      FLEET_IAM_POLICY.Statement.map((s) => s.Sid)
    )
    expect(JSON.stringify(p)).not.toContain('"synkti:fleet":"synkti"')
    expect(new Set(p.Statement.map((s) => s.Sid)).size).toBe(p.Statement.length)
  })

  it('matches actions by IAM wildcards, and nothing it does not name', () => {
    const p = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['sqs:Get*', 'ec2:RunInstances'] },
        { Effect: 'Deny', Action: 's3:*' }
      ]
    }
    expect(policyAllowsAction(p, 'sqs:GetQueueUrl')).toBe(true)
    expect(policyAllowsAction(p, 'ec2:runinstances')).toBe(true)
    expect(policyAllowsAction(p, 'sqs:DeleteQueue')).toBe(false)
    expect(policyAllowsAction(p, 's3:GetObject')).toBe(false)
  })
})
