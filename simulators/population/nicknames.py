"""A nickname table: formal given name -> the nicknames people go by.

Typed as data (English-language usage, plus common Spanish hypocorisms). The generator gives a
person a preferred name from this table; the variant model puts it where the legal given name
belongs, as front desks and web forms do.

>>> nicknames_of("Robert")[:2]
('Bob', 'Rob')
>>> formal_names_of("Liz")
('Elizabeth',)
"""

from __future__ import annotations

from functools import cache

__all__ = ["NICKNAMES", "formal_names_of", "nicknames_of"]

_TABLE = """
Abigail: Abby Gail | Abraham: Abe | Adam: Ad | Adrian: Ade | Agnes: Aggie Nessa
Albert: Al Bert | Alexander: Alex Al Xander Sasha | Alexandra: Alex Lexi Sandra Sasha
Alexis: Lexi Alex | Alfred: Al Alfie Fred | Alice: Allie Ally | Alison: Ali Allie
Allison: Ali Allie | Amanda: Mandy Manda | Amelia: Millie Amy | Andrea: Andie
Andrew: Andy Drew | Angela: Angie | Anna: Annie | Anne: Annie Nan | Anthony: Tony
Antonio: Tony Toño | Arthur: Art Artie | Barbara: Barb Babs Barbie | Benjamin: Ben Benny Benji
Bernard: Bernie | Beatrice: Bea Trixie | Bradley: Brad | Brandon: Bran | Brian: Bri
Caroline: Carrie Caro | Catherine: Cathy Kate Katie Cat | Charles: Charlie Chuck Chas
Charlotte: Charlie Lottie | Christina: Chris Tina Christy | Christine: Chris Tina Chrissy
Christopher: Chris Kit Topher | Clifford: Cliff | Constance: Connie | Cynthia: Cindy
Daniel: Dan Danny | Danielle: Dani Elle | David: Dave Davey | Deborah: Deb Debbie
Dennis: Denny | Diana: Di | Dominic: Dom | Donald: Don Donnie | Dorothy: Dot Dottie
Douglas: Doug | Edward: Ed Eddie Ted Ned | Eleanor: Ellie Nora Nell
Elizabeth: Liz Beth Betty Eliza Lizzie Libby | Emily: Em Emmy | Emma: Em | Eugene: Gene
Evelyn: Evie Lyn | Frances: Fran Frankie | Francis: Frank Fran | Francisco: Paco Pancho Frank
Frank: Frankie | Frederick: Fred Freddie | Gabriel: Gabe | Gabriella: Gabby Ella
Gabrielle: Gabby | Gerald: Gerry Jerry | Geraldine: Geri Gerry | Gertrude: Trudy Gertie
Gilbert: Gil Bert | Gregory: Greg | Guadalupe: Lupe Lupita | Harold: Hal Harry | Harriet: Hattie
Helen: Nell Lena | Henry: Hank Harry Hal | Herbert: Herb Bert | Isabel: Izzy Bella Belle
Isabella: Izzy Bella | Jacob: Jake | Jacqueline: Jackie | James: Jim Jimmy Jamie | Janet: Jan
Jeffrey: Jeff | Jennifer: Jen Jenny | Jeremy: Jerry | Jessica: Jess Jessie | Joanna: Jo
John: Jack Johnny | Jonathan: Jon Jonny | Joseph: Joe Joey | Josephine: Jo Josie | Joshua: Josh
Judith: Judy Jude | Julia: Jules | Katherine: Kathy Kate Katie Kat Kay | Kathleen: Kathy Kate
Kenneth: Ken Kenny | Kimberly: Kim | Lawrence: Larry Laurie | Leonard: Len Lenny Leo
Leslie: Les | Lillian: Lily Lil | Louis: Lou | Louise: Lou Lulu | Lucille: Lucy
Madeline: Maddie | Margaret: Maggie Meg Peggy Marge Greta | Maria: Mari | Marilyn: Mari
Martha: Marty Mattie | Matthew: Matt Matty | Melissa: Mel Missy Lissa | Michael: Mike Mikey Mick
Michelle: Shelly Mich | Mildred: Millie | Miriam: Mimi | Nancy: Nan | Natalie: Nat
Nathan: Nate | Nathaniel: Nate Nat | Nicholas: Nick Nicky Cole | Nicole: Nikki Nic
Olivia: Liv Livvy | Pamela: Pam | Patricia: Pat Patty Trish Tricia | Patrick: Pat Paddy
Penelope: Penny | Peter: Pete | Philip: Phil | Phillip: Phil | Priscilla: Cilla
Rebecca: Becky Becca | Raymond: Ray | Richard: Rick Dick Rich Richie
Robert: Bob Rob Bobby Robbie Bert | Roberta: Bobbie Robbie | Ronald: Ron Ronnie
Rosalind: Ros Roz | Rose: Rosie | Samantha: Sam Sammy | Samuel: Sam Sammy | Sandra: Sandy
Sarah: Sally Sadie | Stephanie: Steph | Stephen: Steve | Steven: Steve | Susan: Sue Susie Suzy
Suzanne: Sue Suzy | Theodore: Ted Teddy Theo | Theresa: Terry Tess Tessa | Thomas: Tom Tommy
Timothy: Tim Timmy | Valerie: Val | Veronica: Ronnie Vera | Victoria: Vicky Tori
Vincent: Vince Vinny | Virginia: Ginny Ginger | Walter: Walt Wally
William: Bill Will Billy Liam Willie | Winifred: Winnie Freddie | Zachary: Zach Zack
Alejandro: Alex Ale | Eduardo: Lalo Eddie | Enrique: Quique Kike | Fernando: Nando Fer
Guillermo: Memo Guille | Ignacio: Nacho | Jesús: Chuy Chucho | Jose: Pepe Chepe
José: Pepe Chepe | Manuel: Manolo Manny | Margarita: Rita Marga | Mercedes: Meche | Rafael: Rafa
Ricardo: Ricky | Rosario: Charo Chayo | Salvador: Chava | Concepción: Concha Conchita
Dolores: Lola Lolita | Graciela: Chela | Alfredo: Fredo | Roberto: Beto Tito | Alberto: Beto
Gregorio: Goyo | Luis: Lucho | Teresa: Tere | Cristina: Cris | Adelaide: Addie Heidi
Archibald: Archie | Augustus: Gus | Bartholomew: Bart | Cassandra: Cassie Sandy
Cornelius: Neil Connie | Cameron: Cam | Clarence: Clare | Delilah: Lila | Dwight: Ike
Ezekiel: Zeke | Florence: Flo Flossie | Franklin: Frank | Gwendolyn: Gwen Wendy
Jeremiah: Jerry | Leonardo: Leo | Lorraine: Lori | Marjorie: Margie | Mathilda: Tilly
Maximilian: Max | Maxwell: Max | Montgomery: Monty | Mortimer: Morty | Nicolas: Nico
Oliver: Ollie | Percival: Percy | Prudence: Pru | Reginald: Reggie | Roger: Rog | Rudolph: Rudy
Russell: Russ | Sebastian: Seb Bash | Sylvester: Sly | Tabitha: Tabby | Terrence: Terry
Tobias: Toby | Vanessa: Nessa | Wallace: Wally | Wilhelmina: Mina Billie | Winston: Winnie
Yolanda: Yoli | Zoe: Zo
"""


def _parse(text: str) -> dict[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = {}
    for line in text.strip().splitlines():
        for pair in line.split("|"):
            formal, _, nicks = pair.partition(":")
            table[formal.strip()] = tuple(nicks.split())
    return table


#: Formal given name -> nicknames, most common first.
NICKNAMES: dict[str, tuple[str, ...]] = _parse(_TABLE)


def nicknames_of(given: str) -> tuple[str, ...]:
    """The nicknames of a formal given name; ``()`` if it has none in the table."""
    return NICKNAMES.get(given, ())


@cache
def _reverse() -> dict[str, tuple[str, ...]]:
    reverse: dict[str, list[str]] = {}
    for formal, nicks in NICKNAMES.items():
        for nick in nicks:
            reverse.setdefault(nick, []).append(formal)
    return {nick: tuple(formals) for nick, formals in reverse.items()}


def formal_names_of(nickname: str) -> tuple[str, ...]:
    """The formal names a nickname can stand for (``Bill`` -> ``William``)."""
    return _reverse().get(nickname, ())
