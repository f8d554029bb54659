/**
 * Regenerates the demo's already-current group: launch template `bastion`, whose default version 2
 * is what an earlier asg-patcher run made of version 1, so a run finds nothing to do for it.
 * Its user data must be exactly what src/userdata composes today; when the patch script or the
 * composer changes, run `npx tsx examples/refresh-demo-scenario.ts` and commit the result.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { composeUserData } from '../src/userdata/compose.ts';

const path = fileURLToPath(new URL('./demo-scenario.json', import.meta.url));

const BASTION_USER_DATA = `#cloud-config
# bastion: SSH only through the corporate range, no passwords
ssh_pwauth: false
disable_root: true
packages:
  - fail2ban
write_files:
  - path: /etc/ssh/sshd_config.d/50-hardening.conf
    content: |
      PermitRootLogin no
      PasswordAuthentication no
      AllowGroups bastion-users
runcmd:
  - systemctl enable --now fail2ban
`;

interface Json {
  [key: string]: unknown;
}

export function bastionParts(): { launchTemplate: Json; group: Json } {
  const original = Buffer.from(BASTION_USER_DATA).toString('base64');
  const composed = composeUserData(original, { updates: 'security', timeSync: true });
  return {
    launchTemplate: {
      name: 'bastion',
      defaultVersion: 2,
      versions: [
        {
          description: 'AL2023 bastion',
          data: {
            ImageId: 'ami-0a9b2c3d4e5f60718',
            InstanceType: 't4g.micro',
            SecurityGroupIds: ['sg-0bas0000000000001'],
            MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1 },
            TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'app', Value: 'bastion' }] }],
          },
          userData: BASTION_USER_DATA,
        },
        {
          description: 'asg-patcher run weekly-2026-11-15 (from version 1)',
          sourceVersion: 1,
          userDataBase64: composed.base64,
        },
      ],
    },
    group: {
      name: 'bastion',
      launchTemplate: { template: 'bastion', version: '$Default' },
      tags: { 'asg-patcher': 'enabled', env: 'prod', team: 'sre' },
      desiredCapacity: 1,
      minSize: 1,
      maxSize: 1,
    },
  };
}

/** The scenario with its bastion launch template and group replaced by today's `bastionParts()`. */
export function withFreshBastion<T extends { launchTemplates: Json[]; autoScalingGroups: Json[] }>(
  scenario: T,
): T {
  const copy = structuredClone(scenario);
  const { launchTemplate, group } = bastionParts();
  const upsert = (list: Json[], item: Json) => {
    const at = list.findIndex((x) => x.name === item.name);
    if (at >= 0) list[at] = item;
    else list.push(item);
  };
  upsert(copy.launchTemplates, launchTemplate);
  upsert(copy.autoScalingGroups, group);
  return copy;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const scenario = JSON.parse(readFileSync(path, 'utf8'));
  writeFileSync(path, `${JSON.stringify(withFreshBastion(scenario), null, 2)}\n`);
  console.log(`Updated ${path}: bastion version 2 = today's composition of version 1`);
}
