// Validates an OpenAPI document read from stdin; run as a child process because the
// validator is an ES module and jest loads tests as CommonJS. Prints {valid, errors}.
import { Validator } from '@seriousme/openapi-schema-validator';

let input = '';
for await (const chunk of process.stdin) input += chunk;
const validator = new Validator();
const result = await validator.validate(JSON.parse(input));
console.log(JSON.stringify({ valid: result.valid, version: validator.version, errors: result.errors ?? [] }));
