import { readFileSync } from 'node:fs';
import { type CollectionTag, parse, type ScalarTag, type YAMLMap, type YAMLSeq } from 'yaml';
import type { Json, Template } from './types';

/**
 * Parses a CloudFormation/SAM YAML template, turning the short-form tags (`!Ref`, `!GetAtt`, `!Sub`, ...) into their
 * JSON long forms (`{"Ref": ...}`, `{"Fn::GetAtt": [...]}`), so the rest of the checker sees exactly what
 * CloudFormation sees.
 */

const FUNCTIONS = [
  'And',
  'Base64',
  'Cidr',
  // Rule-specific functions (the Rules section)
  'Contains',
  'EachMemberEquals',
  'EachMemberIn',
  'Equals',
  'FindInMap',
  'GetAZs',
  'If',
  'ImportValue',
  'Join',
  'Length',
  'Not',
  'Or',
  'Select',
  'Split',
  'Sub',
  'ToJsonString',
  'Transform',
  'ValueOf',
  'ValueOfAll',
  'RefAll',
] as const;

const toJson = (node: YAMLMap | YAMLSeq): Json => node.toJSON() as Json;

function splitGetAtt(value: string): Json {
  const dot = value.indexOf('.');
  return dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)];
}

function tagsFor(name: string, long: string): (ScalarTag | CollectionTag)[] {
  const tag = `!${name}`;
  return [
    { tag, resolve: (value: string) => ({ [long]: value }) } as ScalarTag,
    { tag, collection: 'seq', resolve: (seq: YAMLSeq) => ({ [long]: toJson(seq) }) } as unknown as CollectionTag,
    { tag, collection: 'map', resolve: (map: YAMLMap) => ({ [long]: toJson(map) }) } as unknown as CollectionTag,
  ];
}

export const CLOUDFORMATION_TAGS: (ScalarTag | CollectionTag)[] = [
  ...tagsFor('Ref', 'Ref'),
  ...tagsFor('Condition', 'Condition'),
  { tag: '!GetAtt', resolve: (value: string) => ({ 'Fn::GetAtt': splitGetAtt(value) }) } as ScalarTag,
  {
    tag: '!GetAtt',
    collection: 'seq',
    resolve: (seq: YAMLSeq) => ({ 'Fn::GetAtt': toJson(seq) }),
  } as unknown as CollectionTag,
  ...FUNCTIONS.flatMap((f) => tagsFor(f, `Fn::${f}`)),
];

export function parseTemplateText(text: string): Template {
  const doc: unknown = parse(text, { customTags: CLOUDFORMATION_TAGS, uniqueKeys: true, prettyErrors: true });
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new Error('template is not a YAML mapping');
  }
  return doc as Template;
}

export function loadTemplate(file: string): Template {
  return parseTemplateText(readFileSync(file, 'utf8'));
}
