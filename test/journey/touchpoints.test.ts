import { describe, expect, it } from 'vitest';
import { classifyTouch, isNewTouch } from '../../src/journey/touchpoints';

const AT = '2026-03-01T10:00:00.000Z';
const SITE = 'https://shop.example';

describe('classifyTouch channels', () => {
  it.each([
    // no campaign, no referrer
    ['/', '', 'direct'],
    ['/pricing', `${SITE}/`, 'direct'], // same host: not a new touch
    ['/pricing', 'https://www.shop.example/', 'direct'], // www. ignored
    ['/thank-you', 'https://www.paypal.com/checkoutnow', 'direct'], // payment provider returning the visitor
    ['/', 'https://accounts.google.com/', 'direct'], // sign-in provider
    // referrers
    ['/', 'https://www.google.com/', 'organic_search'],
    ['/', 'https://www.google.co.uk/', 'organic_search'],
    ['/', 'https://www.google.com.br/', 'organic_search'],
    ['/', 'https://www.bing.com/search?q=x', 'organic_search'],
    ['/', 'https://duckduckgo.com/', 'organic_search'],
    ['/', 'https://search.yahoo.com/', 'organic_search'],
    ['/', 'https://yandex.ru/', 'organic_search'],
    ['/', 'https://search.brave.com/', 'organic_search'],
    ['/', 'android-app://com.google.android.googlequicksearchbox/', 'organic_search'],
    ['/', 'https://l.facebook.com/', 'social'],
    ['/', 'https://m.facebook.com/', 'social'],
    ['/', 'https://t.co/abc', 'social'],
    ['/', 'https://x.com/acme', 'social'],
    ['/', 'https://www.linkedin.com/', 'social'],
    ['/', 'https://out.reddit.com/', 'social'],
    ['/', 'https://www.youtube.com/', 'social'],
    ['/', 'https://news.ycombinator.com/', 'social'],
    ['/', 'https://mail.google.com/', 'email'],
    ['/', 'https://outlook.live.com/', 'email'],
    ['/', 'android-app://com.google.android.gm/', 'email'],
    ['/', 'https://partner-blog.example/review', 'referral'],
    ['/', 'https://googleblog.example/', 'referral'],
    // utm
    ['/?utm_source=google&utm_medium=cpc', '', 'paid_search'],
    ['/?utm_source=bing&utm_medium=ppc', 'https://www.bing.com/', 'paid_search'],
    ['/?utm_source=google&utm_medium=organic', '', 'organic_search'],
    ['/?utm_source=newsletter&utm_medium=email', '', 'email'],
    ['/?utm_source=Newsletter', '', 'email'],
    ['/?utm_medium=E-Mail', '', 'email'],
    ['/?utm_source=facebook&utm_medium=social', '', 'social'],
    ['/?utm_source=facebook&utm_medium=cpc', '', 'social'], // paid social counts as social
    ['/?utm_source=linkedin.com&utm_medium=paid', '', 'social'],
    ['/?utm_source=twitter', '', 'social'],
    ['/?utm_source=partner&utm_medium=affiliate', '', 'affiliate'],
    ['/?utm_source=gdn&utm_medium=display', '', 'display'],
    ['/?utm_source=dv360&utm_medium=cpm', '', 'display'], // cpm is display, not paid search
    ['/?utm_source=blog&utm_medium=referral', '', 'referral'],
    ['/?utm_source=podcast&utm_medium=audio', '', 'other'],
    ['/?utm_campaign=spring', 'https://www.google.com/', 'organic_search'], // no source or medium: the referrer decides
    ['/?utm_campaign=spring', '', 'other'],
    ['/?UTM_SOURCE=google&UTM_MEDIUM=CPC', '', 'paid_search'],
    ['/#/landing?utm_source=newsletter&utm_medium=email', '', 'email'], // hash router
    // click ids
    ['/?gclid=abc', '', 'paid_search'],
    ['/?gclid=abc', 'https://www.google.com/', 'paid_search'],
    ['/?gbraid=abc', '', 'paid_search'],
    ['/?msclkid=abc', 'https://www.bing.com/', 'paid_search'],
    ['/?fbclid=abc', 'https://l.facebook.com/', 'social'],
    ['/?fbclid=abc', '', 'social'],
    ['/?ttclid=abc', '', 'social'],
    ['/?dclid=abc', '', 'display'],
    ['/?mc_cid=abc', '', 'email'],
    ['/?irclickid=abc', '', 'affiliate'],
    ['/?fbclid=abc&utm_source=newsletter&utm_medium=email', '', 'email'], // utm says more than the click id
    ['/?gclid=abc&utm_source=spring', '', 'paid_search'], // uninformative utm: the click id decides
    ['/?utm_source=', 'https://www.google.com/', 'organic_search'], // empty values are ignored
  ])('%s from %j → %s', (path, referrer, channel) => {
    expect(classifyTouch(SITE + path, referrer, AT).channel).toBe(channel);
  });
});

describe('classifyTouch: AI assistants, click ids and search engines worldwide', () => {
  it.each([
    // AI assistants have their own channel, by referrer or by the utm_source they add
    ['/', 'https://chatgpt.com/', 'ai'],
    ['/', 'https://chat.openai.com/', 'ai'],
    ['/', 'https://www.perplexity.ai/search/x', 'ai'],
    ['/', 'https://gemini.google.com/app', 'ai'],
    ['/', 'https://copilot.microsoft.com/', 'ai'],
    ['/', 'https://claude.ai/chat/x', 'ai'],
    ['/', 'https://chat.deepseek.com/', 'ai'],
    ['/', 'https://chat.mistral.ai/', 'ai'],
    ['/', 'https://you.com/', 'ai'],
    ['/?utm_source=chatgpt.com', '', 'ai'],
    ['/?utm_source=perplexity', '', 'ai'],
    ['/?utm_source=chatgpt.com&utm_medium=referral', '', 'ai'],
    ['/?utm_source=chatgpt&utm_medium=cpc', '', 'paid_search'], // paid placements stay paid
    // click ids of the major ad and e-mail platforms
    ['/?gclsrc=aw.ds', '', 'paid_search'],
    ['/?wbraid=x', '', 'paid_search'],
    ['/?gad_source=1', '', 'paid_search'],
    ['/?yclid=1', '', 'paid_search'],
    ['/?twclid=x', '', 'social'],
    ['/?li_fat_id=x', '', 'social'],
    ['/?epik=x', '', 'social'],
    ['/?ScCid=x', '', 'social'],
    ['/?igshid=x', '', 'social'],
    ['/?rdt_cid=x', '', 'social'],
    ['/?mc_eid=x', '', 'email'],
    ['/?_hsenc=p2A&_hsmi=1', '', 'email'],
    ['/?mkt_tok=x', '', 'email'],
    ['/?srsltid=x', '', 'organic_search'],
    // search engines worldwide
    ['/', 'https://www.google.fr/', 'organic_search'],
    ['/', 'https://www.google.co.jp/', 'organic_search'],
    ['/', 'https://yandex.com.tr/', 'organic_search'],
    ['/', 'https://www.baidu.com/', 'organic_search'],
    ['/', 'https://m.search.naver.com/', 'organic_search'],
    ['/', 'https://search.daum.net/', 'organic_search'],
    ['/', 'https://www.ecosia.org/', 'organic_search'],
    ['/', 'https://search.seznam.cz/', 'organic_search'],
    ['/', 'https://www.qwant.com/', 'organic_search'],
    ['/', 'https://www.sogou.com/', 'organic_search'],
    ['/', 'https://search.yahoo.co.jp/', 'organic_search'],
    ['/', 'https://www.startpage.com/', 'organic_search'],
    // social networks
    ['/', 'https://www.threads.net/', 'social'],
    ['/', 'https://bsky.app/', 'social'],
    ['/', 'https://vk.com/', 'social'],
    ['/', 'https://pin.it/x', 'social'],
    ['/', 'https://www.tiktok.com/', 'social'],
    // look-alikes are referrals
    ['/', 'https://chatgpt-tips.example/', 'referral'],
    ['/', 'https://openai-news.example/', 'referral'],
    ['/', 'https://accounts.google.com/', 'direct'],
  ])('%s from %j → %s', (path, referrer, channel) => {
    expect(classifyTouch(SITE + path, referrer, AT).channel).toBe(channel);
  });

  it('keeps every known click id in the campaign', () => {
    const t = classifyTouch(`${SITE}/?msclkid=m1&ttclid=t1&dclid=d1`, '', AT);
    expect(t.campaign).toEqual({ msclkid: 'm1', ttclid: 't1', dclid: 'd1' });
    expect(t.channel).toBe('paid_search'); // the first click id in the URL decides
  });

  it('a click id or AI referrer starts a new touch', () => {
    expect(isNewTouch(`${SITE}/?li_fat_id=1`, '', 'shop.example')).toBe(true);
    expect(isNewTouch(`${SITE}/?_hsenc=1`, '', 'shop.example')).toBe(true);
    expect(isNewTouch(`${SITE}/`, 'https://chatgpt.com/', 'shop.example')).toBe(true);
  });
});

describe('classifyTouch details', () => {
  it('keeps campaign fields without the utm_ prefix, click ids and the referring host', () => {
    const t = classifyTouch(
      `${SITE}/?utm_source=google&utm_medium=cpc&utm_campaign=spring&utm_term=shoes&utm_content=ad1&gclid=xyz&page=2`,
      'https://www.google.com/',
      AT,
    );
    expect(t).toEqual({
      channel: 'paid_search',
      at: AT,
      referrer: 'www.google.com',
      campaign: { source: 'google', medium: 'cpc', campaign: 'spring', term: 'shoes', content: 'ad1', gclid: 'xyz' },
    });
  });

  it('has no campaign or referrer for a direct visit', () => {
    expect(classifyTouch(`${SITE}/`, '', AT)).toEqual({ channel: 'direct', at: AT });
    expect(classifyTouch(`${SITE}/`, `${SITE}/a`, AT)).toEqual({ channel: 'direct', at: AT });
  });

  it('bounds long values', () => {
    const t = classifyTouch(`${SITE}/?utm_campaign=${'x'.repeat(1000)}`, '', AT);
    expect(t.campaign!.campaign!.length).toBe(200);
  });

  it('ignores prototype-like parameter names', () => {
    expect(classifyTouch(`${SITE}/?constructor=1&__proto__=2&toString=3`, '', AT)).toEqual({ channel: 'direct', at: AT });
    expect(isNewTouch(`${SITE}/?constructor=1`, '', 'shop.example')).toBe(false);
  });

  it('never throws on junk', () => {
    expect(classifyTouch('::::', '::::', AT).channel).toBe('direct');
    expect(classifyTouch('', 'not a url', AT).channel).toBe('direct');
    expect(classifyTouch('/relative?utm_medium=email', '', AT).channel).toBe('email');
  });
});

describe('isNewTouch', () => {
  it.each([
    [`${SITE}/`, '', false],
    [`${SITE}/pricing`, `${SITE}/`, false],
    [`${SITE}/pricing`, 'https://www.shop.example/', false],
    [`${SITE}/thank-you`, 'https://checkout.stripe.com/pay', false],
    [`${SITE}/?page=2`, '', false],
    [`${SITE}/?utm_source=x`, '', true],
    [`${SITE}/?utm_source=x`, `${SITE}/`, true], // campaign link inside the site
    [`${SITE}/?gclid=1`, '', true],
    [`${SITE}/?fbclid=1`, '', true],
    [`${SITE}/`, 'https://www.google.com/', true],
    [`${SITE}/`, 'https://blog.shop.example/', true], // another host of the same company is a referral
    [`${SITE}/?utm=1`, '', false], // not a utm_ parameter
  ])('%s from %j → %s', (url, referrer, fresh) => {
    expect(isNewTouch(url, referrer, 'shop.example')).toBe(fresh);
  });
});
