export interface AgentUserDataOptions {
  cockpitUrl: string
  token: string
  /** Hugging Face model id vLLM serves; no model: the agent runs without starting vLLM */
  model?: string
  /** npm spec of Synkti installed on the instance */
  packageSpec?: string
  vllmImage?: string
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`
}

/**
 * Boot script for a launched GPU instance (cloud-init runs it as root): starts vLLM in Docker when a
 * model is given, then installs the node agent as a systemd service so it restarts on failure and gets
 * SIGTERM at shutdown. Assumes an AMI with Docker and the NVIDIA container toolkit (e.g. the AWS Deep
 * Learning AMI); Node 22 is installed from NodeSource when missing.
 */
export function agentUserData(o: AgentUserDataOptions): string {
  const spec = o.packageSpec ?? 'synkti@latest'
  const image = o.vllmImage ?? 'vllm/vllm-openai:latest'
  const lines = [
    '#!/bin/bash',
    'set -euo pipefail',
    'exec > >(tee -a /var/log/synkti-user-data.log) 2>&1',
    'if ! command -v node >/dev/null || [ "$(node -p "process.versions.node.split(\'.\')[0]")" -lt 22 ]; then',
    '  curl -fsSL https://deb.nodesource.com/setup_22.x | bash - && apt-get install -y nodejs',
    'fi',
    `npm install -g ${shellQuote(spec)}`
  ]
  if (o.model) {
    lines.push(
      `docker run -d --restart unless-stopped --gpus all -p 8000:8000 --name vllm ${shellQuote(image)} --model ${shellQuote(o.model)}`
    )
  }
  lines.push(
    'cat > /etc/systemd/system/synkti-agent.service <<UNIT',
    '[Unit]',
    'Description=Synkti node agent',
    'After=network-online.target docker.service',
    '[Service]',
    `Environment=SYNKTI_COCKPIT_URL=${o.cockpitUrl}`,
    `Environment=SYNKTI_TOKEN=${o.token}`,
    'ExecStart=/usr/bin/env synkti agent',
    'Restart=on-failure',
    'KillSignal=SIGTERM',
    '[Install]',
    'WantedBy=multi-user.target',
    'UNIT',
    'systemctl daemon-reload',
    'systemctl enable --now synkti-agent.service'
  )
  return lines.join('\n') + '\n'
}
