// breaks product-never-imports-test-code
import { FakeProvider } from '../../../../support/fake-provider'
export const provider = FakeProvider
