import { printFleetScale } from './fleet-scale.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const [g, t, mode] = process.argv.slice(2);
await printFleetScale([[Number(g), Number(t)]], {}, [mode as 'events']);
