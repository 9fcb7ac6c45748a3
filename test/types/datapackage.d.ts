// The official Frictionless Data validator for JavaScript ships no types; what the tests use of it.
declare module 'datapackage' {
  interface Resource {
    descriptor: { path: string; name: string }
    read(options?: { keyed?: boolean; cast?: boolean }): Promise<unknown[]>
  }
  export class Package {
    static load(descriptor: string | object, options?: { basePath?: string }): Promise<Package>
    valid: boolean
    errors: Error[]
    resources: Resource[]
  }
}
