/// `feed.xsl`: turns an Atom feed into a readable page in browsers that
/// still apply XSLT (the feeds reference it with `<?xml-stylesheet?>`).
/// Readers ignore it. Static: the same bytes for every site.
public enum FeedStylesheet {
    public static let fileName = "feed.xsl"

    public static var bytes: [UInt8] { Array(xsl.utf8) }

    static let xsl = """
    <?xml version="1.0" encoding="utf-8"?>
    <!-- feedd: shows an Atom feed as a page. Feed readers ignore this file. -->
    <xsl:stylesheet version="1.0"
        xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
        xmlns:atom="http://www.w3.org/2005/Atom"
        exclude-result-prefixes="atom">
      <xsl:output method="html" encoding="utf-8" doctype-system="about:legacy-compat"/>
      <xsl:template match="/atom:feed">
        <html lang="{@xml:lang}">
          <head>
            <meta charset="utf-8"/>
            <meta name="viewport" content="width=device-width, initial-scale=1"/>
            <title><xsl:value-of select="atom:title"/></title>
            <style>
              body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1d1d1f}
              .note{background:#f2f6ff;border:1px solid #c9d8ff;border-radius:.5rem;padding:.75rem 1rem}
              h2{font-size:1.05rem;margin:0}a{color:#0a58ca}.meta{color:#666;font-size:.85rem;margin:.1rem 0}
              ol{list-style:none;padding:0}li{margin:1rem 0;padding-bottom:.75rem;border-bottom:1px solid #f0f0f3}
            </style>
          </head>
          <body>
            <p class="note">This is a web feed. Copy this page's address into a feed reader to subscribe:
              <code><xsl:value-of select="atom:link[@rel='self']/@href"/></code></p>
            <h1><xsl:value-of select="atom:title"/></h1>
            <xsl:if test="atom:subtitle"><p><xsl:value-of select="atom:subtitle"/></p></xsl:if>
            <p><a href="{atom:link[@rel='alternate']/@href}">All feeds of this site</a></p>
            <ol>
              <xsl:for-each select="atom:entry">
                <li>
                  <h2>
                    <xsl:choose>
                      <xsl:when test="atom:link[@rel='alternate']">
                        <a href="{atom:link[@rel='alternate']/@href}"><xsl:value-of select="atom:title"/></a>
                      </xsl:when>
                      <xsl:otherwise><xsl:value-of select="atom:title"/></xsl:otherwise>
                    </xsl:choose>
                  </h2>
                  <p class="meta">
                    <xsl:value-of select="substring(atom:published, 1, 10)"/>
                    <xsl:for-each select="atom:author">
                      <xsl:text> · </xsl:text><xsl:value-of select="atom:name"/>
                    </xsl:for-each>
                  </p>
                  <p><xsl:value-of select="atom:summary"/></p>
                </li>
              </xsl:for-each>
            </ol>
          </body>
        </html>
      </xsl:template>
    </xsl:stylesheet>

    """
}
