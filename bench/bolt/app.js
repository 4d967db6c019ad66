// Comparison target for bench/run-all.sh: verify every request and acknowledge at once, nothing else.
const { App, LogLevel } = require('@slack/bolt');

const app = new App({
  token: 'xoxb-bench',
  signingSecret: process.env.SLACK_SIGNING_SECRET,
  tokenVerificationEnabled: false,
  logLevel: LogLevel.ERROR,
  endpoints: ['/slack/commands', '/slack/interactions', '/slack/events'],
  clientOptions: { slackApiUrl: process.env.SLACK_API_URL || 'http://127.0.0.1:5099/api/' },
});

app.command('/mentor', async ({ ack }) => { await ack(); });
app.action('claim_request', async ({ ack }) => { await ack(); });

(async () => {
  await app.start(Number(process.env.PORT || 5081));
  console.log('bolt listening');
})();
