// On-demand prices from the AWS Price List API (GetProducts on the us-east-1 endpoint, which serves
// every region's prices): Linux, shared tenancy, no pre-installed software, plain on-demand capacity,
// the hourly USD rate. Each item is checked again after the filters (a filter AWS ignored must not
// slip a Windows or a dedicated-host price through).

import { GetProductsCommand, type PricingClient } from '@aws-sdk/client-pricing'
import { mapAwsErrors } from './errors'

/** the Price List API answers in us-east-1 (also ap-south-1, eu-central-1) */
export const PRICE_LIST_REGION = 'us-east-1'

/** what a Linux on-demand hour means in the price list */
export const LINUX_ON_DEMAND = {
  operatingSystem: 'Linux',
  tenancy: 'Shared',
  preInstalledSw: 'NA',
  capacitystatus: 'Used',
  licenseModel: 'No License required'
} as const

interface PriceListItem {
  product?: { attributes?: Record<string, string> }
  terms?: {
    OnDemand?: Record<
      string,
      {
        priceDimensions?: Record<string, { unit?: string; pricePerUnit?: { USD?: string } }>
      }
    >
  }
}

/** the hourly USD price of one price-list item for this type and region, or undefined if it is not one */
export function hourlyLinuxPrice(
  item: string,
  instanceType: string,
  region: string
): number | undefined {
  let doc: PriceListItem
  try {
    doc = JSON.parse(item) as PriceListItem
  } catch (error) {
    if (error instanceof SyntaxError) return undefined // not JSON: not a price
    throw error
  }
  const a = doc.product?.attributes ?? {}
  if (a.instanceType !== instanceType || a.regionCode !== region) return undefined
  for (const [key, value] of Object.entries(LINUX_ON_DEMAND)) if (a[key] !== value) return undefined
  for (const offer of Object.values(doc.terms?.OnDemand ?? {}))
    for (const d of Object.values(offer.priceDimensions ?? {})) {
      const usd = Number(d.pricePerUnit?.USD)
      if (d.unit === 'Hrs' && Number.isFinite(usd) && usd > 0) return usd
    }
  return undefined
}

const MAX_PAGES = 20

/** the on-demand $/h of each type in a region that the price list has; types it lacks are absent */
export async function fetchOnDemandPrices(
  pricing: PricingClient,
  region: string,
  instanceTypes: readonly string[]
): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  for (const type of new Set(instanceTypes)) {
    const what = `Reading the on-demand price of ${type} in ${region} from the AWS Price List API`
    await mapAwsErrors({ what, action: 'pricing:GetProducts' }, async () => {
      let token: string | undefined
      for (let page = 0; page < MAX_PAGES; page++) {
        const res = await pricing.send(
          new GetProductsCommand({
            ServiceCode: 'AmazonEC2',
            Filters: Object.entries({
              instanceType: type,
              regionCode: region,
              ...LINUX_ON_DEMAND
            }).map(([Field, Value]) => ({ Type: 'TERM_MATCH', Field, Value })),
            MaxResults: 100,
            ...(token ? { NextToken: token } : {})
          })
        )
        for (const item of res.PriceList ?? []) {
          const price = hourlyLinuxPrice(String(item), type, region)
          if (price !== undefined && !out.has(type)) out.set(type, price)
        }
        token = res.NextToken
        if (!token || out.has(type)) return
      }
    })
  }
  return out
}
