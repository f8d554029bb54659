/**
 * The run's pages in the run ledger (src/ledger/run-*.ts), against dynalite over the wire: the plan
 * paged by count and bytes, a page loaded with its templates, saved back, read whole, and the
 * report kept in parts.
 */
import { describe, expect, it } from 'vitest';
import { RunPageMissingError } from '../../../src/errors.ts';
import { PAGE_BYTES, PAGE_GROUPS, PAGE_TEMPLATES } from '../../../src/ledger/run-items.ts';
import { loadRunPage } from '../../../src/ledger/run-page-load.ts';
import { saveRunPage } from '../../../src/ledger/run-page-save.ts';
import { recordRunPlan } from '../../../src/ledger/run-plan-record.ts';
import { readRunPlan, readRunSummary } from '../../../src/ledger/run-read.ts';
import { recordRunSummary } from '../../../src/ledger/run-summary.ts';
import type { RunPlan, Summary } from '../../../src/schemas.ts';
import { buildRecord, buildSettings, buildTemplateRecord } from '../../support/builders.ts';
import { useLocalLedger } from '../../support/ledger.ts';

const NOW = new Date('2026-12-04T03:00:00Z');
const templateId = (t: number) => `lt-${String(t).padStart(17, '0')}`;

/** `groups` groups over `templates` templates, round robin; `padding` bytes of reason per group. */
function planOf(groups: number, templates: number, padding = 0): RunPlan {
  return {
    settings: buildSettings({ runId: 'run-1' }),
    groups: Array.from({ length: groups }, (_, g) =>
      buildRecord({
        asgName: `g${String(g).padStart(4, '0')}`,
        reason: 'x'.repeat(padding),
        specs: [
          { slot: 'main', launchTemplateId: templateId(g % templates), reference: '$Default', version: 1 },
        ],
      }),
    ),
    templates: Array.from({ length: templates }, (_, t) =>
      buildTemplateRecord({ launchTemplateId: templateId(t), launchTemplateName: `t${t}` }),
    ),
  };
}

describe('run pages', () => {
  const ledger = useLocalLedger();

  it('pages the plan by count: at most 40 groups and 100 templates a page, each group page with its templates', async () => {
    const plan = planOf(250, 120);

    const pages = await recordRunPlan(ledger().deps.ledger, plan, NOW);

    expect(pages).toEqual({
      groupCount: 250,
      templateCount: 120,
      groupPages: [0, 1, 2, 3, 4, 5, 6],
      templatePages: [0, 1],
    });
    const first = await loadRunPage(ledger().deps.ledger, 'run-1', 'groups', 0);
    expect(first.groups).toEqual(plan.groups.slice(0, PAGE_GROUPS));
    // 40 groups round robin over 120 templates: templates 0-39, in their groups' order.
    expect(first.templates).toEqual(plan.templates.slice(0, 40));
    const last = await loadRunPage(ledger().deps.ledger, 'run-1', 'templates', 1);
    expect(last).toEqual({ templates: plan.templates.slice(PAGE_TEMPLATES) });
  });

  it('pages by bytes too: records of 30 KB each go 3 to a page (96 KiB), and a larger one gets a page alone', async () => {
    const plan = planOf(7, 1, 30_000);
    plan.groups[6] = { ...(plan.groups[6] as RunPlan['groups'][number]), reason: 'y'.repeat(PAGE_BYTES + 1) };

    const pages = await recordRunPlan(ledger().deps.ledger, plan, NOW);

    const sizes = [];
    for (const page of pages.groupPages)
      sizes.push((await loadRunPage(ledger().deps.ledger, 'run-1', 'groups', page)).groups?.length);
    expect(sizes).toEqual([3, 3, 1]);
  });

  it('saves a page back, and reads the whole run in plan order; a save again writes the same', async () => {
    const plan = planOf(90, 30);
    const pages = await recordRunPlan(ledger().deps.ledger, plan, NOW);
    const page = await loadRunPage(ledger().deps.ledger, 'run-1', 'groups', 1);
    const pinned = { ...page, groups: page.groups?.map((g) => ({ ...g, pin: { pinned: true, specs: [] } })) };
    const templates = await loadRunPage(ledger().deps.ledger, 'run-1', 'templates', 0);
    const created = {
      templates: templates.templates.map((t) => ({ ...t, created: [{ sourceVersion: 1, newVersion: 2 }] })),
    };

    for (let i = 0; i < 2; i++) {
      await saveRunPage(ledger().deps.ledger, 'run-1', 'groups', 1, pinned as typeof page, NOW);
      await saveRunPage(ledger().deps.ledger, 'run-1', 'templates', 0, created, NOW);
    }

    const whole = await readRunPlan(ledger().deps.ledger, 'run-1');
    expect(pages.groupPages).toHaveLength(3);
    expect(whole.groups.map((g) => g.asgName)).toEqual(plan.groups.map((g) => g.asgName));
    expect(whole.groups.filter((g) => g.pin).map((g) => g.asgName)).toEqual(
      plan.groups.slice(40, 80).map((g) => g.asgName),
    );
    expect(whole.templates).toEqual(created.templates);
    // A group page loaded now comes with its templates as the template phase left them.
    const again = await loadRunPage(ledger().deps.ledger, 'run-1', 'groups', 0);
    expect(again.templates.every((t) => t.created?.[0]?.newVersion === 2)).toBe(true);
  });

  it('RunPageMissingError for a page the plan never wrote (or that expired), and a save never creates one', async () => {
    await recordRunPlan(ledger().deps.ledger, planOf(3, 1), NOW);

    await expect(loadRunPage(ledger().deps.ledger, 'run-1', 'groups', 5)).rejects.toThrow(
      RunPageMissingError,
    );
    await expect(loadRunPage(ledger().deps.ledger, 'other-run', 'groups', 0)).rejects.toThrow(
      /Run other-run: page 0 of its groups is not in the run ledger/,
    );
    await expect(
      saveRunPage(ledger().deps.ledger, 'run-1', 'groups', 5, { groups: [], templates: [] }, NOW),
    ).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
  });

  it('keeps a report larger than one item in parts and reads it back whole', async () => {
    const summary = {
      runId: 'run-1',
      dryRun: false,
      groups: Array.from({ length: 3000 }, (_, i) => ({ asgName: `g${i}`, note: 'n'.repeat(200) })),
    } as unknown as Summary;

    await recordRunSummary(ledger().deps.ledger, summary, NOW);

    expect(JSON.stringify(summary).length).toBeGreaterThan(600_000);
    expect(await readRunSummary(ledger().deps.ledger, 'run-1')).toEqual(summary);
    expect(await readRunSummary(ledger().deps.ledger, 'other-run')).toBeUndefined();
  });
});
