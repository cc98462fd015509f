/**
 * Tells a logged-in user when a page on their watchlist changes, whatever page they have open:
 * the wiki sends a `watch` event to their own topic (`<wiki>:user:<name>`, which no one else may
 * read). Controlled by the user preference `wikicast-watch-notify`.
 */

/**
 * @param {Object} msg the event's `msg` (a recentchange-style change)
 * @return {jQuery}
 */
function noticeContent( msg ) {
	var who = msg.user || mw.msg( 'wikicast-notify-someone' ),
		$page = $( '<a>' ).attr( 'href', mw.util.getUrl( msg.title ) ).text( msg.title ),
		$content = $( '<span>' ).append( mw.message( msg.type === 'new' ? 'wikicast-watch-created' : 'wikicast-watch-edited', who, $page ).parseDom() );
	if ( msg.revision && msg.revision.new && msg.revision.old ) {
		$content.append( ' ', $( '<a>' )
			.attr( 'href', mw.util.getUrl( msg.title, { diff: msg.revision.new, oldid: msg.revision.old } ) )
			.text( mw.msg( 'wikicast-notify-diff' ) ) );
	}
	return $content;
}

/**
 * @param {Object} client the Wikicast client
 * @param {string} wikiId
 */
function watch( client, wikiId ) {
	var userName = mw.config.get( 'wgUserName' );
	if ( userName === null || !Number( mw.user.options.get( 'wikicast-watch-notify' ) ) ) {
		return;
	}
	client.subscribe( wikiId + ':user:' + userName, function ( event ) {
		if ( event.type !== 'watch' || !event.msg || typeof event.msg.title !== 'string' ) {
			return;
		}
		mw.notify( noticeContent( event.msg ), { tag: 'wikicast-watch', type: 'info' } );
	} );
}

module.exports = { watch: watch };
