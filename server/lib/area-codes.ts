/**
 * North American Numbering Plan area codes → IANA time zone.
 *
 * Used to place a candidate whose record has no time zone (quiet hours are the candidate's
 * local time). Where an area code straddles a zone boundary it maps to the zone of its main
 * population centre: 850 (Florida Panhandle) → Central, 915 (El Paso) → Mountain, 208 (Boise)
 * → America/Boise, 270/364 (western Kentucky) → Central, 219 (Gary) → Central, the rest of
 * Indiana → America/Indiana/Indianapolis, Arizona (no daylight saving) → America/Phoenix.
 *
 * Stored as zone → space-separated codes and inverted once at module load.
 */

export const AREA_CODES_BY_ZONE: Readonly<Record<string, string>> = {
  // ── United States: Eastern ──────────────────────────────────────────────────────
  'America/New_York': [
    '203 475 860 959', // CT
    '302', // DE
    '202 771', // DC
    '239 305 321 324 352 386 407 561 645 656 689 727 728 754 772 786 813 863 904 941 954', // FL (peninsula)
    '229 404 470 478 678 706 762 770 912 943', // GA
    '502 606 859', // KY (eastern)
    '207', // ME
    '227 240 301 410 443 667', // MD
    '339 351 413 508 617 774 781 857 978', // MA
    '603', // NH
    '201 551 609 640 732 848 856 862 908 973', // NJ
    '212 315 332 347 363 516 518 585 607 624 631 646 680 716 718 838 845 914 917 929 934', // NY
    '252 336 472 704 743 828 910 919 980 984', // NC
    '216 220 234 283 326 330 380 419 436 440 513 567 614 740 937', // OH
    '215 223 267 272 412 445 484 570 582 610 717 724 814 835 878', // PA
    '401', // RI
    '803 839 843 854 864', // SC
    '423 865', // TN (east: Chattanooga, Knoxville)
    '802', // VT
    '276 434 540 571 703 757 804 826 948', // VA
    '304 681', // WV
  ].join(' '),
  'America/Detroit': '231 248 269 313 517 586 616 679 734 810 906 947 989', // MI
  'America/Indiana/Indianapolis': '260 317 463 574 765 812 930', // IN (Eastern)

  // ── United States: Central ──────────────────────────────────────────────────────
  'America/Chicago': [
    '205 251 256 334 659 938', // AL
    '327 479 501 870', // AR
    '448 850', // FL (Panhandle)
    '217 224 309 312 331 447 464 618 630 708 730 773 779 815 847 861 872', // IL
    '219', // IN (northwest: Gary)
    '319 515 563 641 712', // IA
    '316 620 785 913', // KS
    '270 364', // KY (western)
    '225 318 337 504 985', // LA
    '218 320 507 612 651 763 952', // MN
    '228 601 662 769', // MS
    '314 417 557 573 636 660 816 975', // MO
    '308 402 531', // NE
    '701', // ND
    '405 539 572 580 918', // OK
    '605', // SD
    '615 629 731 901 931', // TN (middle and west)
    '210 214 254 281 325 346 361 409 430 432 469 512 682 713 726 737 806 817 830 832 903 936 940 945 956 972 979', // TX
    '262 274 353 414 534 608 715 920', // WI
  ].join(' '),

  // ── United States: Mountain ─────────────────────────────────────────────────────
  'America/Denver': [
    '303 719 720 970 983', // CO
    '406', // MT
    '505 575', // NM
    '915', // TX (El Paso)
    '385 435 801', // UT
    '307', // WY
  ].join(' '),
  'America/Boise': '208 986', // ID
  'America/Phoenix': '480 520 602 623 928', // AZ

  // ── United States: Pacific, Alaska, Hawaii ──────────────────────────────────────
  'America/Los_Angeles': [
    '209 213 279 310 323 341 350 357 369 408 415 424 442 510 530 559 562 619 626 628 650 657 661 669 707 714 738 747 760 805 818 820 831 840 858 909 916 925 949 951', // CA
    '702 725 775', // NV
    '458 503 541 971', // OR
    '206 253 360 425 509 564', // WA
  ].join(' '),
  'America/Anchorage': '907', // AK
  'Pacific/Honolulu': '808', // HI

  // ── US territories ──────────────────────────────────────────────────────────────
  'America/Puerto_Rico': '787 939',
  'America/St_Thomas': '340', // US Virgin Islands
  'Pacific/Guam': '671',
  'Pacific/Saipan': '670', // Northern Mariana Islands
  'Pacific/Pago_Pago': '684', // American Samoa

  // ── Canada ──────────────────────────────────────────────────────────────────────
  'America/Toronto': [
    '226 249 289 343 365 382 416 437 519 548 613 647 683 705 742 753 807 905 942', // ON
    '263 354 367 418 438 450 468 514 579 581 819 873', // QC
  ].join(' '),
  'America/Vancouver': '236 250 257 604 672 778', // BC
  'America/Edmonton': '368 403 587 780 825', // AB
  'America/Regina': '306 474 639', // SK
  'America/Winnipeg': '204 431 584', // MB
  'America/Moncton': '428 506', // NB
  'America/Halifax': '782 902', // NS, PE
  'America/St_Johns': '709 879', // NL
  'America/Whitehorse': '867', // YT, NT, NU

  // ── Other NANP countries (Caribbean, Bermuda) ───────────────────────────────────
  'America/Nassau': '242',
  'America/Barbados': '246',
  'America/Anguilla': '264',
  'America/Antigua': '268',
  'America/Tortola': '284',
  'America/Cayman': '345',
  'Atlantic/Bermuda': '441',
  'America/Grenada': '473',
  'America/Grand_Turk': '649',
  'America/Jamaica': '658 876',
  'America/Montserrat': '664',
  'America/Lower_Princes': '721',
  'America/St_Lucia': '758',
  'America/Dominica': '767',
  'America/St_Vincent': '784',
  'America/Santo_Domingo': '809 829 849',
  'America/Port_of_Spain': '868',
  'America/St_Kitts': '869',
};

const ZONE_BY_AREA_CODE: ReadonlyMap<string, string> = (() => {
  const map = new Map<string, string>();
  for (const [zone, codes] of Object.entries(AREA_CODES_BY_ZONE)) {
    for (const code of codes.split(/\s+/)) if (code && !map.has(code)) map.set(code, zone);
  }
  return map;
})();

/** Every area code that maps to a zone (for tests and tooling). */
export function knownAreaCodes(): string[] {
  return [...ZONE_BY_AREA_CODE.keys()];
}

/** The IANA zone of a three-digit NANP area code, or null when it is unknown. */
export function timeZoneForAreaCode(areaCode: string): string | null {
  const code = areaCode.trim();
  if (!/^\d{3}$/.test(code)) return null;
  return ZONE_BY_AREA_CODE.get(code) ?? null;
}
