/**
 * The request schemas of the receivers Berth's providers talk to, recorded from
 * each host's public documentation (method, path, path parameters, body fields,
 * allowed values); schema-judge.ts checks a request against them. The provider
 * tests judge what was sent against these records, never against Berth's own
 * formatter, so a formatter that drifts from the host's API fails a test.
 *
 * Sources (as read 2026-12):
 *   GitHub   https://docs.github.com/en/rest/commits/statuses#create-a-commit-status
 *            https://docs.github.com/en/rest/commits/commits#list-pull-requests-associated-with-a-commit
 *            https://docs.github.com/en/rest/issues/comments (list / create / update an issue comment)
 *            https://docs.github.com/en/rest/commits/comments (list / create / update a commit comment)
 *            https://docs.github.com/en/rest/branches/branches#get-a-branch, .../rest/git/commits (get / create a commit),
 *            .../rest/git/refs#create-a-reference, .../rest/pulls/pulls#create-a-pull-request
 *   GitLab   https://docs.gitlab.com/api/commits/#set-the-pipeline-status-of-a-commit
 *            https://docs.gitlab.com/api/commits/#list-merge-requests-associated-with-a-commit
 *            https://docs.gitlab.com/api/notes/#merge-requests
 *            https://docs.gitlab.com/api/discussions/#commits
 *            https://docs.gitlab.com/api/branches/ (get a single branch, create a branch),
 *            https://docs.gitlab.com/api/commits/#revert-a-commit, https://docs.gitlab.com/api/merge_requests/#create-mr
 *   Gitea    https://gitea.com/api/swagger#/repository/repoCreateStatus (CreateStatusOption, CommitStatusState)
 *   Bitbucket https://developer.atlassian.com/cloud/bitbucket/rest/api-group-commit-statuses/#api-repositories-workspace-repo-slug-commit-commit-statuses-build-post
 *   Slack    https://api.slack.com/messaging/webhooks, https://api.slack.com/reference/messaging/attachments,
 *            https://api.slack.com/reference/block-kit/blocks (section: text or fields, at most 10 fields; context)
 *   Mattermost https://developers.mattermost.com/integrate/webhooks/incoming/, https://developers.mattermost.com/integrate/reference/message-attachments/
 *   Rocket.Chat https://docs.rocket.chat/docs/integrations (incoming webhook: text, attachments with title, title_link, text, color, fields)
 *   Teams    https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using
 *            (Workflows: a `message` with Adaptive Card attachments), https://adaptivecards.io/explorer/
 *   CloudEvents https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/spec.md, .../formats/json-format.md
 */

import type { BodyRule, FieldRule, RecordedOperation } from './schema-judge.ts';

const sha = /^[0-9a-f]{40}$/;
const name = /^[A-Za-z0-9_.-]+$/;
const number = /^[1-9][0-9]*$/;
const uri = /^https?:\/\/[^\s]+$/;
const str: FieldRule = { type: 'string' };
const commentBody: BodyRule = { required: { body: { type: 'string', maxLength: 65536 } } };

const github = { owner: name, repo: name };
const githubHeaders = { authorization: /^(Bearer|token) \S+$/, accept: /application\/vnd\.github(\.v3)?\+json/, 'user-agent': /\S/ };

export const githubOperations: readonly RecordedOperation[] = [
  {
    name: 'GitHub: create a commit status',
    method: 'POST',
    path: '/repos/{owner}/{repo}/statuses/{sha}',
    params: { ...github, sha },
    headers: githubHeaders,
    body: {
      required: { state: { type: 'string', enum: ['error', 'failure', 'pending', 'success'] } },
      optional: { target_url: { type: 'string', pattern: uri }, description: { type: 'string', maxLength: 140 }, context: str },
    },
  },
  { name: 'GitHub: list pull requests associated with a commit', method: 'GET', path: '/repos/{owner}/{repo}/commits/{sha}/pulls', params: { ...github, sha }, headers: githubHeaders },
  { name: 'GitHub: list issue comments', method: 'GET', path: '/repos/{owner}/{repo}/issues/{issue_number}/comments', params: { ...github, issue_number: number }, headers: githubHeaders },
  { name: 'GitHub: create an issue comment', method: 'POST', path: '/repos/{owner}/{repo}/issues/{issue_number}/comments', params: { ...github, issue_number: number }, headers: githubHeaders, body: commentBody },
  { name: 'GitHub: update an issue comment', method: 'PATCH', path: '/repos/{owner}/{repo}/issues/comments/{comment_id}', params: { ...github, comment_id: number }, headers: githubHeaders, body: commentBody },
  { name: 'GitHub: list commit comments', method: 'GET', path: '/repos/{owner}/{repo}/commits/{sha}/comments', params: { ...github, sha }, headers: githubHeaders },
  {
    name: 'GitHub: create a commit comment',
    method: 'POST',
    path: '/repos/{owner}/{repo}/commits/{sha}/comments',
    params: { ...github, sha },
    headers: githubHeaders,
    body: { required: commentBody.required, optional: { path: str, position: { type: 'number' }, line: { type: 'number' } } },
  },
  { name: 'GitHub: update a commit comment', method: 'PATCH', path: '/repos/{owner}/{repo}/comments/{comment_id}', params: { ...github, comment_id: number }, headers: githubHeaders, body: commentBody },
];

const branchParam = /^[A-Za-z0-9_][A-Za-z0-9._/-]*$/;

export const githubRevertOperations: readonly RecordedOperation[] = [
  { name: 'GitHub: get a branch', method: 'GET', path: '/repos/{owner}/{repo}/branches/{branch}', params: { ...github, branch: branchParam }, headers: githubHeaders },
  { name: 'GitHub: get a commit object', method: 'GET', path: '/repos/{owner}/{repo}/git/commits/{commit_sha}', params: { ...github, commit_sha: sha }, headers: githubHeaders },
  {
    name: 'GitHub: create a commit',
    method: 'POST',
    path: '/repos/{owner}/{repo}/git/commits',
    params: github,
    headers: githubHeaders,
    body: { required: { message: str, tree: { type: 'string', pattern: sha } }, optional: { parents: { type: 'array', items: { type: 'string', pattern: sha } }, author: { type: 'object' }, committer: { type: 'object' }, signature: str } },
  },
  {
    name: 'GitHub: create a reference',
    method: 'POST',
    path: '/repos/{owner}/{repo}/git/refs',
    params: github,
    headers: githubHeaders,
    body: { required: { ref: { type: 'string', pattern: /^refs\/heads\/[A-Za-z0-9._/-]+$/ }, sha: { type: 'string', pattern: sha } } },
  },
  {
    name: 'GitHub: create a pull request',
    method: 'POST',
    path: '/repos/{owner}/{repo}/pulls',
    params: github,
    headers: githubHeaders,
    body: { required: { head: str, base: str }, optional: { title: str, body: str, head_repo: str, issue: { type: 'number' }, maintainer_can_modify: { type: 'boolean' }, draft: { type: 'boolean' } } },
  },
];

/** GitLab's `:id` is the project ID or its URL-encoded full path: one segment, decoded to `group[/subgroup...]/project`. */
const gitlabProject = /^(?:[0-9]+|[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)+)$/;
const gitlabHeaders = { 'private-token': /^\S+$/ };

export const gitlabOperations: readonly RecordedOperation[] = [
  {
    name: 'GitLab: set the pipeline status of a commit',
    method: 'POST',
    path: '/projects/{id}/statuses/{sha}',
    params: { id: gitlabProject, sha },
    headers: gitlabHeaders,
    body: {
      required: { state: { type: 'string', enum: ['pending', 'running', 'success', 'failed', 'canceled'] } },
      optional: { ref: str, name: str, context: str, target_url: { type: 'string', pattern: uri }, description: str, coverage: { type: 'number' }, pipeline_id: { type: 'number' } },
    },
  },
  { name: 'GitLab: list merge requests associated with a commit', method: 'GET', path: '/projects/{id}/repository/commits/{sha}/merge_requests', params: { id: gitlabProject, sha }, headers: gitlabHeaders },
  { name: 'GitLab: list all merge request notes', method: 'GET', path: '/projects/{id}/merge_requests/{merge_request_iid}/notes', params: { id: gitlabProject, merge_request_iid: number }, headers: gitlabHeaders },
  {
    name: 'GitLab: create new merge request note',
    method: 'POST',
    path: '/projects/{id}/merge_requests/{merge_request_iid}/notes',
    params: { id: gitlabProject, merge_request_iid: number },
    headers: gitlabHeaders,
    body: { required: commentBody.required, optional: { created_at: str, internal: { type: 'boolean' }, merge_request_diff_head_sha: str } },
  },
  {
    name: 'GitLab: modify existing merge request note',
    method: 'PUT',
    path: '/projects/{id}/merge_requests/{merge_request_iid}/notes/{note_id}',
    params: { id: gitlabProject, merge_request_iid: number, note_id: number },
    headers: gitlabHeaders,
    body: commentBody,
  },
  { name: 'GitLab: list project commit discussion items', method: 'GET', path: '/projects/{id}/repository/commits/{sha}/discussions', params: { id: gitlabProject, sha }, headers: gitlabHeaders },
  {
    name: 'GitLab: create new commit thread',
    method: 'POST',
    path: '/projects/{id}/repository/commits/{sha}/discussions',
    params: { id: gitlabProject, sha },
    headers: gitlabHeaders,
    body: { required: commentBody.required, optional: { created_at: str, position: { type: 'object' } } },
  },
  {
    name: 'GitLab: modify an existing commit thread note',
    method: 'PUT',
    path: '/projects/{id}/repository/commits/{sha}/discussions/{discussion_id}/notes/{note_id}',
    params: { id: gitlabProject, sha, discussion_id: /^[0-9a-f]+$/, note_id: number },
    headers: gitlabHeaders,
    body: { required: {}, optional: { body: commentBody.required['body'] ?? str } },
  },
];

export const gitlabRevertOperations: readonly RecordedOperation[] = [
  { name: 'GitLab: get a single repository branch', method: 'GET', path: '/projects/{id}/repository/branches/{branch}', params: { id: gitlabProject, branch: branchParam }, headers: gitlabHeaders },
  { name: 'GitLab: create repository branch', method: 'POST', path: '/projects/{id}/repository/branches', params: { id: gitlabProject }, headers: gitlabHeaders, body: { required: { branch: str, ref: str } } },
  { name: 'GitLab: revert a commit', method: 'POST', path: '/projects/{id}/repository/commits/{sha}/revert', params: { id: gitlabProject, sha }, headers: gitlabHeaders, body: { required: { branch: str }, optional: { dry_run: { type: 'boolean' } } } },
  {
    name: 'GitLab: create MR',
    method: 'POST',
    path: '/projects/{id}/merge_requests',
    params: { id: gitlabProject },
    headers: gitlabHeaders,
    body: {
      required: { source_branch: str, target_branch: str, title: str },
      optional: { description: str, remove_source_branch: { type: 'boolean' }, squash: { type: 'boolean' }, labels: str, assignee_id: { type: 'number' }, target_project_id: { type: 'number' } },
    },
  },
];

export const giteaOperations: readonly RecordedOperation[] = [
  {
    name: 'Gitea: create a commit status',
    method: 'POST',
    path: '/repos/{owner}/{repo}/statuses/{sha}',
    params: { ...github, sha },
    headers: { authorization: /^(token|Bearer) \S+$/ },
    body: {
      required: {},
      optional: {
        state: { type: 'string', enum: ['pending', 'success', 'error', 'failure', 'warning'] },
        context: str,
        description: str,
        target_url: { type: 'string', pattern: uri },
      },
    },
  },
];

export const bitbucketOperations: readonly RecordedOperation[] = [
  {
    name: 'Bitbucket Cloud: create a build status for a commit',
    method: 'POST',
    path: '/repositories/{workspace}/{repo_slug}/commit/{commit}/statuses/build',
    params: { workspace: name, repo_slug: name, commit: sha },
    headers: { authorization: /^(Bearer|Basic) \S+$/ },
    body: {
      required: {
        key: str,
        state: { type: 'string', enum: ['INPROGRESS', 'SUCCESSFUL', 'FAILED', 'STOPPED'] },
        url: { type: 'string', pattern: uri },
      },
      optional: { name: str, description: str, refname: str },
    },
  },
];

const mrkdwn: FieldRule = { type: 'object', shape: { required: { type: { type: 'string', enum: ['mrkdwn', 'plain_text'] }, text: { type: 'string', maxLength: 3000 } }, optional: { emoji: { type: 'boolean' }, verbatim: { type: 'boolean' } } } };
const slackBlock: FieldRule = {
  type: 'object',
  oneOf: [
    { type: 'object', shape: { required: { type: { type: 'string', enum: ['section'] }, text: mrkdwn }, optional: { block_id: str } } },
    { type: 'object', shape: { required: { type: { type: 'string', enum: ['section'] }, fields: { type: 'array', items: mrkdwn, maxItems: 10 } }, optional: { block_id: str } } },
    { type: 'object', shape: { required: { type: { type: 'string', enum: ['context'] }, elements: { type: 'array', items: mrkdwn, maxItems: 10 } }, optional: { block_id: str } } },
  ],
};
const legacyField: FieldRule = { type: 'object', shape: { required: { title: str, value: str }, optional: { short: { type: 'boolean' } } } };
const colour: FieldRule = { type: 'string', pattern: /^(#[0-9a-fA-F]{6}|good|warning|danger)$/ };

export const slackWebhook: RecordedOperation = {
  name: 'Slack: incoming webhook',
  method: 'POST',
  path: '/services/{a}/{b}/{c}',
  params: { a: /\S/, b: /\S/, c: /\S/ },
  headers: { 'content-type': /^application\/json/ },
  body: {
    required: { text: str },
    optional: {
      blocks: { type: 'array', items: slackBlock, maxItems: 50 },
      attachments: { type: 'array', items: { type: 'object', shape: { required: { color: colour }, optional: { blocks: { type: 'array', items: slackBlock, maxItems: 50 }, fallback: str, text: str, title: str, title_link: str, fields: { type: 'array', items: legacyField } } } } },
      channel: str,
      username: str,
      icon_emoji: str,
      icon_url: str,
      mrkdwn: { type: 'boolean' },
      unfurl_links: { type: 'boolean' },
    },
  },
};

const attachment: FieldRule = {
  type: 'object',
  shape: {
    required: { fallback: str },
    optional: {
      color: colour, pretext: str, text: str, author_name: str, author_link: str, author_icon: str, title: str, title_link: { type: 'string', pattern: uri },
      fields: { type: 'array', items: legacyField }, image_url: str, thumb_url: str, footer: str, footer_icon: str,
    },
  },
};

export const mattermostWebhook: RecordedOperation = {
  name: 'Mattermost: incoming webhook',
  method: 'POST',
  path: '/hooks/{key}',
  params: { key: /^[a-z0-9]+$/ },
  headers: { 'content-type': /^application\/json/ },
  body: { required: {}, optional: { text: str, channel: str, username: str, icon_url: str, icon_emoji: str, attachments: { type: 'array', items: attachment }, type: str, props: { type: 'object' }, priority: { type: 'object' } } },
};

export const rocketchatWebhook: RecordedOperation = {
  name: 'Rocket.Chat: incoming webhook',
  method: 'POST',
  path: '/hooks/{id}/{token}',
  params: { id: /\S/, token: /\S/ },
  headers: { 'content-type': /^application\/json/ },
  body: { required: {}, optional: { text: str, channel: str, username: str, alias: str, avatar: str, emoji: str, attachments: { type: 'array', items: attachment } } },
};

const adaptiveText: FieldRule = {
  type: 'object',
  shape: {
    required: { type: { type: 'string', enum: ['TextBlock'] }, text: str },
    optional: {
      weight: { type: 'string', enum: ['Default', 'Lighter', 'Bolder'] }, size: { type: 'string', enum: ['Default', 'Small', 'Medium', 'Large', 'ExtraLarge'] },
      color: { type: 'string', enum: ['Default', 'Dark', 'Light', 'Accent', 'Good', 'Warning', 'Attention'] }, wrap: { type: 'boolean' }, isSubtle: { type: 'boolean' },
      spacing: { type: 'string', enum: ['None', 'Small', 'Default', 'Medium', 'Large', 'ExtraLarge', 'Padding'] },
    },
  },
};
const adaptiveFactSet: FieldRule = {
  type: 'object',
  shape: { required: { type: { type: 'string', enum: ['FactSet'] }, facts: { type: 'array', items: { type: 'object', shape: { required: { title: str, value: str } } } } } },
};
const adaptiveContainer: FieldRule = {
  type: 'object',
  shape: {
    required: { type: { type: 'string', enum: ['Container'] }, items: { type: 'array', items: { type: 'object', oneOf: [adaptiveText, adaptiveFactSet] } } },
    optional: { style: { type: 'string', enum: ['default', 'emphasis', 'good', 'attention', 'warning', 'accent'] }, bleed: { type: 'boolean' } },
  },
};

export const teamsWorkflow: RecordedOperation = {
  name: 'Microsoft Teams: Workflows "when a Teams webhook request is received"',
  method: 'POST',
  path: '/workflows/{workflow}/triggers/manual/paths/invoke',
  params: { workflow: /\S/ },
  headers: { 'content-type': /^application\/json/ },
  body: {
    required: {
      type: { type: 'string', enum: ['message'] },
      attachments: {
        type: 'array',
        items: {
          type: 'object',
          shape: {
            required: {
              contentType: { type: 'string', enum: ['application/vnd.microsoft.card.adaptive'] },
              content: {
                type: 'object',
                shape: {
                  required: {
                    type: { type: 'string', enum: ['AdaptiveCard'] },
                    version: { type: 'string', pattern: /^1\.[0-5]$/ },
                    body: { type: 'array', items: { type: 'object', oneOf: [adaptiveText, adaptiveFactSet, adaptiveContainer] } },
                  },
                  optional: {
                    $schema: str,
                    msteams: { type: 'object' },
                    actions: { type: 'array', items: { type: 'object', shape: { required: { type: { type: 'string', enum: ['Action.OpenUrl'] }, url: { type: 'string', pattern: uri } }, optional: { title: str } } } },
                  },
                },
              },
            },
            optional: { contentUrl: { type: 'null' } },
          },
        },
      },
    },
  },
};

export const cloudEventsWebhook: RecordedOperation = {
  name: 'CloudEvents 1.0 structured JSON over HTTP',
  method: 'POST',
  path: '/{any}',
  params: { any: /\S/ },
  headers: { 'content-type': /^application\/cloudevents\+json/ },
  body: {
    required: {
      specversion: { type: 'string', enum: ['1.0'] },
      id: { type: 'string', pattern: /\S/ },
      source: { type: 'string', pattern: /\S/ },
      type: { type: 'string', pattern: /\S/ },
    },
    optional: {
      subject: str,
      time: { type: 'string', pattern: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/ },
      datacontenttype: str,
      dataschema: str,
      data: { type: 'object' },
    },
  },
};
